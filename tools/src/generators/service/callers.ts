import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { serviceValuesKey } from '../../charts/layout';

/** One entry of a chart's `service.callees` (charts/service: base URL variable + NetworkPolicy egress). */
export interface Callee {
  name: string;
  service: string;
  port: number;
  targetPort: number;
  envVar: string;
}

/** The callee entry a caller gets for a new service: its Service port, container port and ORDERS_API_BASE_URL. */
export function calleeFor(service: { name: string; constantName: string }, ports: { service: number; container: number }): Callee {
  return { name: service.name, service: service.name, port: ports.service, targetPort: ports.container, envVar: `${service.constantName}_BASE_URL` };
}

/**
 * A caller's values.yaml with the callee appended to `service.callees` (created when the caller
 * calls nothing yet), every comment and the rest of the file kept as written. Throws when that
 * cannot be done without touching anything else, or when the caller already uses the name or
 * the variable.
 */
export function withCallee(valuesYaml: string, callee: Callee, file: string): string {
  const options = { lineWidth: 0 };
  const document = parseDocument(valuesYaml);
  if (document.errors.length > 0) throw new Error(`${file}: not valid YAML (${document.errors[0].message})`);
  if (document.toString(options) !== valuesYaml) {
    throw new Error(`${file}: cannot add the callee ${callee.name} without reformatting the file; add it to callees by hand`);
  }
  const values = document.get(serviceValuesKey, true);
  if (!isMap(values)) throw new Error(`${file}: has no "${serviceValuesKey}:" map to add the callee ${callee.name} to`);
  if (!values.has('callees')) values.set('callees', document.createNode([]));
  const callees = values.get('callees', true);
  if (!isSeq(callees)) throw new Error(`${file}: ${serviceValuesKey}.callees is not a list; add ${callee.name} to it by hand`);
  for (const entry of callees.items) {
    if (!isMap(entry)) continue;
    const value = (key: string) => {
      const node = entry.get(key, true);
      return isScalar(node) ? node.value : undefined;
    };
    if (value('name') === callee.name) throw new Error(`${file}: already lists the callee ${callee.name}`);
    if (value('envVar') === callee.envVar) throw new Error(`${file}: the callee ${String(value('name'))} already uses the variable ${callee.envVar}`);
  }
  callees.flow = false;
  callees.items.push(document.createNode({ ...callee }));
  return document.toString(options);
}

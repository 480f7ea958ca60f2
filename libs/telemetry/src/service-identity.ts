import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The service's name as the preload sees it before any of the service's code runs: the
 * `name` of the package that holds the entry script, without its npm scope
 * (`@shipyard/catalog-api` → `catalog-api`), so that the Application Map node, the Nx project,
 * the image and the chart all carry one name. Undefined when no package.json is found.
 */
export function serviceNameFromEntry(entryScript: string | undefined): string | undefined {
  if (!entryScript) return undefined;
  let dir = path.dirname(path.resolve(entryScript));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const name: unknown = JSON.parse(readFileSync(manifest, 'utf8')).name;
        if (typeof name === 'string' && name) return name.replace(/^@[^/]+\//, '');
      } catch {
        // An unreadable manifest says nothing about the name; keep walking up.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * OpenTelemetry resource attributes as environment variables. The distro merges OTEL_* env with
 * the Azure platform detectors (AKS via CLUSTER_RESOURCE_ID); passing a `resource` option instead
 * would replace those detected attributes. Values the operator already set win, except
 * `service.namespace`: the exporter would make the cloud role "<namespace>.<name>", and the role
 * is the service's name on every path (laptop, rehearsal, cluster). It is taken out here and
 * travels as a custom dimension instead (see namespaceFromResourceAttributes).
 */
export function resourceEnvironment(
  env: Record<string, string | undefined>,
  identity: { serviceName: string; serviceInstance: string; serviceVersion: string | undefined },
): Record<string, string> {
  const operatorSet = (env['OTEL_RESOURCE_ATTRIBUTES'] ?? '')
    .split(',')
    .filter((pair) => pair.trim() && pair.split('=')[0].trim() !== namespaceAttribute)
    .join(',');
  const existing = parseResourceAttributes(operatorSet);
  const wanted: Record<string, string | undefined> = {
    'service.instance.id': identity.serviceInstance,
    'service.version': identity.serviceVersion,
  };
  const added = Object.entries(wanted)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && !(entry[0] in existing))
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
  const out: Record<string, string> = { OTEL_SERVICE_NAME: identity.serviceName };
  if (added.length > 0 || operatorSet !== (env['OTEL_RESOURCE_ATTRIBUTES'] ?? '')) out['OTEL_RESOURCE_ATTRIBUTES'] = [operatorSet.trim(), ...added].filter(Boolean).join(',');
  return out;
}

const namespaceAttribute = 'service.namespace';

/** `service.namespace` an operator put into OTEL_RESOURCE_ATTRIBUTES, if any (percent-decoded). */
export function namespaceFromResourceAttributes(raw: string | undefined): string | undefined {
  const value = parseResourceAttributes(raw)[namespaceAttribute];
  if (!value) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

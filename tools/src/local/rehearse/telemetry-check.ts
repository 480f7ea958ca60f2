/** What arrived at the local ingestion endpoint for the rehearsed apps, and whether it hangs together. */
export interface TelemetryVerdict {
  ok: boolean;
  requests: Record<string, number>;
  /** Dependency calls per "source → target" (target is the host:port the source called). */
  dependencies: Record<string, number>;
  /** Operations seen in more than one app (a request chain correlated by operation id). */
  correlatedOperations: number;
  problems: string[];
}

interface EnvelopeLike {
  tags?: Record<string, unknown>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

const tag = (envelope: EnvelopeLike, name: string) => (typeof envelope.tags?.[name] === 'string' ? (envelope.tags[name] as string) : undefined);

/**
 * Every app reported requests; the entry app reported outgoing HTTP dependencies; and at
 * least one operation id appears in requests of the entry app and of each app it calls
 * (the trace context crossed the hop).
 */
export function checkTelemetry(envelopes: readonly EnvelopeLike[], apps: readonly string[], entry: string): TelemetryVerdict {
  const requests: Record<string, number> = Object.fromEntries(apps.map((app) => [app, 0]));
  const dependencies: Record<string, number> = {};
  const operations = new Map<string, Set<string>>();
  const misnamed = new Map<string, string>();
  for (const envelope of envelopes) {
    // The role is exactly the service's name: alerts, workbooks and the application map key on it.
    // "<namespace>.<name>" is what the exporter makes of a service.namespace resource attribute.
    const cloudRole = tag(envelope, 'ai.cloud.role');
    const role = apps.find((app) => cloudRole === app);
    const prefixed = apps.find((app) => cloudRole?.endsWith(`.${app}`));
    if (!role && prefixed && cloudRole) misnamed.set(cloudRole, prefixed);
    if (!role) continue;
    const type = envelope.data?.baseType;
    if (type === 'RequestData') {
      requests[role] += 1;
      const operation = tag(envelope, 'ai.operation.id');
      if (operation) operations.set(operation, (operations.get(operation) ?? new Set()).add(role));
    } else if (type === 'RemoteDependencyData' && String(envelope.data?.baseData?.type ?? '').toUpperCase().startsWith('HTTP')) {
      const target = String(envelope.data?.baseData?.target ?? '?');
      const key = `${role} → ${target}`;
      dependencies[key] = (dependencies[key] ?? 0) + 1;
    }
  }
  const callees = apps.filter((app) => app !== entry);
  const correlated = [...operations.values()].filter((roles) => roles.size > 1);
  const problems: string[] = [];
  for (const [cloudRole, app] of misnamed) problems.push(`${app} reports as cloud role '${cloudRole}', expected '${app}'`);
  for (const app of apps) if (requests[app] === 0) problems.push(`no requests from ${app}`);
  if (!Object.keys(dependencies).some((key) => key.startsWith(`${entry} → `))) problems.push(`no HTTP dependency from ${entry}`);
  for (const callee of callees) {
    if (!correlated.some((roles) => roles.has(entry) && roles.has(callee))) problems.push(`no operation id shared by ${entry} and ${callee} requests`);
  }
  return { ok: problems.length === 0, requests, dependencies, correlatedOperations: correlated.length, problems };
}

import type { Envelope } from './envelopes';

/** What the endpoint's page and JSON API show: health, performance and usage per cloud role. */
export interface TelemetrySummary {
  envelopes: number;
  roles: RoleSummary[];
  /** The application map: calls from one role to another (or to an external target). */
  dependencies: DependencyEdge[];
  recentExceptions: ExceptionItem[];
  pageViews: PageViewSummary[];
  customEvents: { role: string; name: string; count: number }[];
}

export interface RoleSummary {
  role: string;
  requests: number;
  failedRequests: number;
  /** failedRequests / requests, 0 when there are no requests. */
  failureRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Request counts per operation name (route template), most frequent first. */
  operations: { name: string; count: number }[];
}

export interface DependencyEdge {
  source: string;
  /** The callee's role when a request of another role has this call as parent, else the call's target. */
  target: string;
  type: string;
  calls: number;
  failed: number;
  avgMs: number;
}

export interface ExceptionItem {
  time: string;
  role: string;
  operationId: string | undefined;
  type: string;
  message: string;
}

export interface PageViewSummary {
  role: string;
  name: string;
  count: number;
}

const tag = (e: Envelope, key: string): string | undefined => {
  const value = e.tags?.[key];
  return typeof value === 'string' ? value : undefined;
};
const role = (e: Envelope) => tag(e, 'ai.cloud.role') || '(no role)';
const base = (e: Envelope) => e.data.baseData as Record<string, unknown>;

/** "d.hh:mm:ss.fffffff" or "hh:mm:ss.fff" (the contract's duration format) → milliseconds. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(value.trim());
  if (!match) return undefined;
  const [, days = '0', hours, minutes, seconds] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000;
}

/** Nearest-rank percentile of an unsorted list; null for an empty list. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

const isSuccess = (value: unknown) => value === true || value === 'true' || value === 'True';
const round = (n: number) => Math.round(n * 1000) / 1000;

export function summarize(envelopes: Envelope[], options: { recentExceptions?: number } = {}): TelemetrySummary {
  const byType = (type: string) => envelopes.filter((e) => e.data.baseType === type);
  const requests = byType('RequestData');
  const dependencies = byType('RemoteDependencyData');

  const roles = new Map<string, Envelope[]>();
  for (const r of requests) roles.set(role(r), [...(roles.get(role(r)) ?? []), r]);
  const roleSummaries: RoleSummary[] = [...roles.entries()]
    .map(([name, items]) => {
      const durations = items.map((r) => durationMs(base(r).duration)).filter((d): d is number => d !== undefined);
      const failed = items.filter((r) => !isSuccess(base(r).success)).length;
      const operations = new Map<string, number>();
      for (const r of items) {
        const op = String(base(r).name ?? '');
        operations.set(op, (operations.get(op) ?? 0) + 1);
      }
      return {
        role: name,
        requests: items.length,
        failedRequests: failed,
        failureRate: round(failed / items.length),
        p50Ms: nullableRound(percentile(durations, 50)),
        p95Ms: nullableRound(percentile(durations, 95)),
        operations: [...operations.entries()].map(([op, count]) => ({ name: op, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
      };
    })
    .sort((a, b) => a.role.localeCompare(b.role));

  // A request whose parent id is a dependency's id was caused by that call: that is the edge.
  const calleeRoleByParentId = new Map<string, string>();
  for (const r of requests) {
    const parent = tag(r, 'ai.operation.parentId');
    if (parent) calleeRoleByParentId.set(spanIdOf(parent), role(r));
  }
  const edges = new Map<string, DependencyEdge & { totalMs: number }>();
  for (const d of dependencies) {
    const data = base(d);
    const target = calleeRoleByParentId.get(spanIdOf(data.id)) ?? String(data.target ?? data.name ?? '(unknown)');
    const type = String(data.type ?? 'Other');
    const key = `${role(d)}\u0000${target}\u0000${type}`;
    const edge = edges.get(key) ?? { source: role(d), target, type, calls: 0, failed: 0, avgMs: 0, totalMs: 0 };
    edge.calls += 1;
    if (!isSuccess(data.success)) edge.failed += 1;
    edge.totalMs += durationMs(data.duration) ?? 0;
    edges.set(key, edge);
  }

  const recentExceptions = byType('ExceptionData')
    .map((e) => {
      const first = ((base(e).exceptions as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
      return {
        time: e.time,
        role: role(e),
        operationId: tag(e, 'ai.operation.id'),
        type: String(first.typeName ?? ''),
        message: String(first.message ?? ''),
      };
    })
    .sort((a, b) => b.time.localeCompare(a.time))
    .slice(0, options.recentExceptions ?? 20);

  return {
    envelopes: envelopes.length,
    roles: roleSummaries,
    dependencies: [...edges.values()]
      .map(({ totalMs, ...edge }) => ({ ...edge, avgMs: round(totalMs / edge.calls) }))
      .sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target)),
    recentExceptions,
    pageViews: countBy(byType('PageviewData'), (e) => [role(e), String(base(e).name ?? '')]).map(([[r, name], count]) => ({ role: r, name, count })),
    customEvents: countBy(byType('EventData'), (e) => [role(e), String(base(e).name ?? '')]).map(([[r, name], count]) => ({ role: r, name, count })),
  };
}

/** Dependency ids are span ids, or "|<trace id>.<span id>." from the browser SDK's legacy format. */
function spanIdOf(id: unknown): string {
  const text = String(id ?? '');
  return /^\|[0-9a-f]+\.([0-9a-f]+)\.?$/i.exec(text)?.[1] ?? text;
}

function nullableRound(n: number | null): number | null {
  return n === null ? null : round(n);
}

function countBy(items: Envelope[], key: (e: Envelope) => [string, string]): [[string, string], number][] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = JSON.stringify(key(item));
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([k, count]): [[string, string], number] => [JSON.parse(k) as [string, string], count])
    .sort((a, b) => a[0].join().localeCompare(b[0].join()));
}

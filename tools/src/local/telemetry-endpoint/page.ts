import type { TelemetrySummary } from './summary';

const escape = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const ms = (value: number | null) => (value === null ? '–' : value.toFixed(1));
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/**
 * The endpoint's page: the local stand-in for the portal's Application Map, Failures and
 * Performance views. Server-rendered (no script) and refreshed every few seconds; every figure
 * carries data-* attributes so tests can read it.
 */
export function renderSummaryPage(summary: TelemetrySummary, info: { dataFile: string }): string {
  const roleRows = summary.roles
    .map(
      (r) => `<tr data-role="${escape(r.role)}">
  <td>${escape(r.role)}</td>
  <td data-field="requests">${r.requests}</td>
  <td data-field="failedRequests">${r.failedRequests}</td>
  <td data-field="failureRate" data-value="${r.failureRate}">${percent(r.failureRate)}</td>
  <td data-field="p50Ms" data-value="${r.p50Ms ?? ''}">${ms(r.p50Ms)}</td>
  <td data-field="p95Ms" data-value="${r.p95Ms ?? ''}">${ms(r.p95Ms)}</td>
  <td>${r.operations.map((o) => `${escape(o.name)} (${o.count})`).join('<br>')}</td>
</tr>`,
    )
    .join('\n');
  const edgeRows = summary.dependencies
    .map(
      (d) => `<tr data-edge="${escape(d.source)}→${escape(d.target)}">
  <td>${escape(d.source)}</td><td>→</td><td>${escape(d.target)}</td><td>${escape(d.type)}</td>
  <td data-field="calls">${d.calls}</td><td data-field="failed">${d.failed}</td><td data-field="avgMs">${d.avgMs.toFixed(1)}</td>
</tr>`,
    )
    .join('\n');
  const exceptionRows = summary.recentExceptions
    .map((e) => `<tr data-exception><td>${escape(e.time)}</td><td>${escape(e.role)}</td><td>${escape(e.type)}</td><td>${escape(e.message)}</td><td><code>${escape(e.operationId)}</code></td></tr>`)
    .join('\n');
  const pageViewRows = summary.pageViews
    .map((p) => `<tr data-pageview="${escape(p.name)}"><td>${escape(p.role)}</td><td>${escape(p.name)}</td><td data-field="count">${p.count}</td></tr>`)
    .join('\n');
  const eventRows = summary.customEvents
    .map((p) => `<tr data-event="${escape(p.name)}"><td>${escape(p.role)}</td><td>${escape(p.name)}</td><td data-field="count">${p.count}</td></tr>`)
    .join('\n');
  const empty = (cols: number) => `<tr><td colspan="${cols}">nothing received yet</td></tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>shipyard · local telemetry</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
</style>
</head>
<body>
<h1>Local Application Insights ingestion</h1>
<p><span data-field="envelopes">${summary.envelopes}</span> envelopes received · stored in <code>${escape(info.dataFile)}</code> · JSON at <a href="/api/summary">/api/summary</a></p>
<h2>Requests per cloud role</h2>
<table id="roles"><tr><th>role</th><th>requests</th><th>failed</th><th>failure rate</th><th>p50 ms</th><th>p95 ms</th><th>operations</th></tr>
${roleRows || empty(7)}
</table>
<h2>Application map (dependency calls)</h2>
<table id="dependencies"><tr><th>from</th><th></th><th>to</th><th>type</th><th>calls</th><th>failed</th><th>avg ms</th></tr>
${edgeRows || empty(7)}
</table>
<h2>Recent exceptions</h2>
<table id="exceptions"><tr><th>time</th><th>role</th><th>type</th><th>message</th><th>operation id</th></tr>
${exceptionRows || empty(5)}
</table>
<h2>Page views</h2>
<table id="pageviews"><tr><th>role</th><th>page</th><th>views</th></tr>
${pageViewRows || empty(3)}
</table>
<h2>Custom events</h2>
<table id="events"><tr><th>role</th><th>event</th><th>count</th></tr>
${eventRows || empty(3)}
</table>
</body>
</html>
`;
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { workspaceRoot } from '../../workspace/root';
import { loadOrCreateCertificate, type EndpointCertificate } from './certificate';
import type { Envelope } from './envelopes';
import { slowIngestionDelayMs, startTelemetryEndpoint, type TelemetryEndpoint } from './server';
import { freePort } from '../../images/testing/containers';
import { afterWarmup, heapProbePath, soak, type MemorySample } from './testing/memory-soak';
import { eventually, startService, type ServiceProcess } from './testing/service-process';

// Real SDK, real processes, the local endpoint: the telemetry contract end to end.

const guard = path.join(workspaceRoot, 'tools', 'testing', 'loopback-guard.cjs');
const recorder = path.join(__dirname, 'testing', 'connect-recorder.cjs');
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let dir: string;
let cert: EndpointCertificate;
let endpoint: TelemetryEndpoint;
let guardReport: string;
const started: ServiceProcess[] = [];

/** Variables that switch telemetry on against the local endpoint, with short export intervals. */
function telemetryEnv(connectionString: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
    NODE_EXTRA_CA_CERTS: cert.certPath,
    TELEMETRY_TRACES_PER_SECOND: '0',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BLRP_SCHEDULE_DELAY: '200',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    SHIPYARD_NETGUARD_REPORT: guardReport,
    ...extra,
  };
}

async function start(app: string, env: Record<string, string>, options: { requires?: string[]; telemetry?: boolean; nodeArgs?: string[] } = {}) {
  const service = await startService(app, env, { ...options, requires: [guard, ...(options.requires ?? [])] });
  started.push(service);
  return service;
}

const tag = (e: Envelope, key: string) => e.tags?.[key] as string | undefined;
const base = (e: Envelope) => e.data.baseData as Record<string, unknown>;
const ofOperation = (operationId: string) => endpoint.envelopes().filter((e) => tag(e, 'ai.operation.id') === operationId);
const find = (items: Envelope[], type: string, role: string, name?: string) =>
  items.filter((e) => e.data.baseType === type && tag(e, 'ai.cloud.role') === role && (name === undefined || base(e).name === name));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'telemetry-int-'));
  guardReport = path.join(dir, 'guard.jsonl');
  writeFileSync(guardReport, '');
  cert = await loadOrCreateCertificate(path.join(dir, 'certs'));
  endpoint = await startTelemetryEndpoint({ port: 0, dataFile: path.join(dir, 'envelopes.jsonl'), key: cert.key, cert: cert.cert });
});

afterAll(async () => {
  await Promise.allSettled(started.map((s) => s.stop()));
  await endpoint?.stop();
  // No service, with telemetry on or off, tried to reach anything beyond loopback: no IMDS
  // probe, no OneSettings, no statsbeat, no live metrics.
  const attempts = readFileSync(guardReport, 'utf8').trim();
  rmSync(dir, { recursive: true, force: true });
  expect(attempts).toBe('');
});

describe('three services and a browser, one operation', () => {
  let catalog: ServiceProcess;
  let checkout: ServiceProcess;
  let storefront: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    catalog = await start('catalog-api', telemetryEnv(endpoint.connectionString, { HOSTNAME: 'catalog-api-5d8f7-abcde' }));
    checkout = await start('checkout-api', telemetryEnv(endpoint.connectionString, { CATALOG_BASE_URL: catalog.url, LOG_LEVEL: 'info' }));
    storefront = await start(
      'storefront',
      telemetryEnv(endpoint.connectionString, { CATALOG_BASE_URL: catalog.url, CHECKOUT_BASE_URL: checkout.url, BROWSER_TELEMETRY_BATCH_INTERVAL_MS: '300' }),
    );
    // The endpoint answers CORS only for the pages it was told of: this storefront's own origin.
    endpoint.allowOrigin(storefront.url);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...chromiumFlags, '--ignore-certificate-errors'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a quote through the storefront yields requests named by route, dependencies, an event and a metric, all on one operation id', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${storefront.url}/api/checkout/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify({ items: [{ productId: 'house-espresso-beans', quantity: 2 }, { productId: 'single-origin-kenya', quantity: 1 }] }),
    });
    expect(response.status).toBe(200);
    const quote = (await response.json()) as { totalCents: number };

    const items = await eventually(
      () => {
        const all = ofOperation(traceId);
        const complete =
          find(all, 'RequestData', 'storefront').length === 1 &&
          find(all, 'RequestData', 'checkout-api').length === 1 &&
          find(all, 'RequestData', 'catalog-api').length === 2 &&
          find(all, 'RemoteDependencyData', 'checkout-api').length >= 2 &&
          find(all, 'EventData', 'checkout-api').length === 1;
        return complete ? all : undefined;
      },
      15_000,
      'the quote operation in all three roles',
    );
    expect(find(items, 'RequestData', 'storefront')[0].data.baseData).toMatchObject({ name: 'POST /api/checkout/*path', responseCode: '200', success: true });
    expect(find(items, 'RequestData', 'checkout-api')[0].data.baseData).toMatchObject({ name: 'POST /quotes', responseCode: '200' });
    expect(find(items, 'RequestData', 'catalog-api').map((e) => base(e).name)).toEqual(['GET /products/:id', 'GET /products/:id']);
    expect(find(items, 'RequestData', 'catalog-api').map((e) => tag(e, 'ai.operation.name'))).toEqual(['GET /products/:id', 'GET /products/:id']);
    // Role instance from HOSTNAME (the pod name); the namespace rides along as a custom dimension.
    expect(tag(find(items, 'RequestData', 'catalog-api')[0], 'ai.cloud.roleInstance')).toBe('catalog-api-5d8f7-abcde');
    expect(base(find(items, 'RequestData', 'checkout-api')[0]).properties).toMatchObject({ 'service.namespace': 'shipyard' });
    // Each hop's dependency is the parent of the next hop's request.
    const checkoutRequest = find(items, 'RequestData', 'checkout-api')[0];
    const storefrontCalls = find(items, 'RemoteDependencyData', 'storefront');
    expect(storefrontCalls.map((d) => base(d).id)).toContain(tag(checkoutRequest, 'ai.operation.parentId'));
    const catalogParents = find(items, 'RequestData', 'catalog-api').map((r) => tag(r, 'ai.operation.parentId'));
    expect(find(items, 'RemoteDependencyData', 'checkout-api').map((d) => base(d).id)).toEqual(expect.arrayContaining(catalogParents));
    expect(find(items, 'EventData', 'checkout-api')[0].data.baseData).toMatchObject({ name: 'QuoteCreated', properties: { currency: 'EUR', lines: '2' } });
    // pino lines of that request carry its trace id.
    expect(checkout.output()).toContain(`"trace_id":"${traceId}"`);

    const metric = await eventually(
      () => endpoint.envelopes().find((e) => e.data.baseType === 'MetricData' && tag(e, 'ai.cloud.role') === 'checkout-api' && JSON.stringify(base(e).metrics).includes('"quote_total"')),
      10_000,
      'the quote_total metric',
    );
    const point = (base(metric).metrics as { name: string; value: number; count?: number; max?: number }[]).find((m) => m.name === 'quote_total');
    expect(point?.max ?? point?.value).toBeGreaterThanOrEqual(quote.totalCents / 100);
  });

  it('the browser reports a page view and its quote call on the same operation as storefront, checkout and catalog', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${storefront.url}/`);
      await page.getByRole('button', { name: /Add .* to cart/ }).first().click();
      await page.getByRole('button', { name: 'Get a quote' }).click();
      await page.locator('#quote').waitFor({ state: 'visible', timeout: 10_000 });
      const pageViews = await eventually(
        () => {
          const views = endpoint.envelopes().filter((e) => e.data.baseType === 'PageviewData' && tag(e, 'ai.cloud.role') === 'storefront-browser');
          return views.length > 0 ? views : undefined;
        },
        10_000,
        'a browser page view',
      );
      expect(tag(pageViews[0], 'ai.user.id')).toBeTruthy();
      expect(tag(pageViews[0], 'ai.session.id')).toBeTruthy();
      const quoteCall = await eventually(
        () =>
          endpoint
            .envelopes()
            .find((e) => e.data.baseType === 'RemoteDependencyData' && tag(e, 'ai.cloud.role') === 'storefront-browser' && String(base(e).name).includes('/api/checkout/quotes')),
        10_000,
        'the browser quote call',
      );
      const operationId = tag(quoteCall, 'ai.operation.id') as string;
      const items = await eventually(
        () => {
          const all = ofOperation(operationId);
          const complete =
            find(all, 'RequestData', 'storefront', 'POST /api/checkout/*path').length > 0 &&
            find(all, 'RequestData', 'checkout-api', 'POST /quotes').length > 0 &&
            find(all, 'RequestData', 'catalog-api', 'GET /products/:id').length > 0;
          return complete ? all : undefined;
        },
        10_000,
        'the browser operation in all three services',
      );
      // The page's calls share the page view's operation: loading products and quoting are one visit.
      expect(find(items, 'PageviewData', 'storefront-browser')).toHaveLength(1);
      // The page and its files, which no API route matches, are named by path class.
      const names = await eventually(
        () => {
          const all = new Set(find(endpoint.envelopes(), 'RequestData', 'storefront').map((e) => String(base(e).name)));
          return all.has('GET /') && all.has('GET /static/*') ? [...all] : undefined;
        },
        10_000,
        'the storefront page and static files named GET / and GET /static/*',
      );
      // (The browser SDK under /vendor/ is a declared route and keeps its template.)
      expect(names.filter((name) => /\/(app\.js|telemetry\.js|styles\.css|favicon\.svg)$/.test(name) || name === 'GET')).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the endpoint page shows per-role request counts, failure rates and percentiles that match the stored envelopes', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${endpoint.url}/`);
      const shownEnvelopes = Number(await page.locator('[data-field="envelopes"]').first().textContent());
      const stored = endpoint.envelopes().slice(0, shownEnvelopes);
      for (const role of ['storefront', 'checkout-api', 'catalog-api']) {
        const requests = find(stored, 'RequestData', role);
        const durations = requests.map((r) => durationOf(base(r).duration)).sort((a, b) => a - b);
        const row = page.locator(`#roles tr[data-role="${role}"]`);
        expect(Number(await row.locator('[data-field="requests"]').textContent())).toBe(requests.length);
        expect(Number(await row.locator('[data-field="failedRequests"]').textContent())).toBe(requests.filter((r) => base(r).success !== true).length);
        expect(Number(await row.locator('[data-field="p50Ms"]').getAttribute('data-value'))).toBeCloseTo(durations[Math.ceil(0.5 * durations.length) - 1], 2);
        expect(Number(await row.locator('[data-field="p95Ms"]').getAttribute('data-value'))).toBeCloseTo(durations[Math.ceil(0.95 * durations.length) - 1], 2);
      }
      await expect(page.locator('#dependencies tr[data-edge="checkout-api→catalog-api"]').count()).resolves.toBe(1);
      await expect(page.locator('#dependencies tr[data-edge="storefront→checkout-api"]').count()).resolves.toBe(1);
      await expect(page.locator('#pageviews tr[data-pageview]').count()).resolves.toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });

  it('a failing dependency turns into ExceptionData on the operation that failed', async () => {
    await catalog.stop();
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${checkout.url}/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify({ items: [{ productId: 'house-espresso-beans', quantity: 1 }] }),
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const exception = await eventually(
      () => (find(ofOperation(traceId), 'RequestData', 'checkout-api').length > 0 ? find(ofOperation(traceId), 'ExceptionData', 'checkout-api')[0] : undefined),
      10_000,
      'the failed request and its ExceptionData from checkout-api',
    );
    expect(exception.data.baseData).toMatchObject({ exceptions: [expect.objectContaining({ message: expect.any(String) })] });
    expect(find(ofOperation(traceId), 'RequestData', 'checkout-api')[0].data.baseData).toMatchObject({ success: false, responseCode: String(response.status) });
  });
});

function durationOf(value: unknown): number {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(String(value));
  if (!m) throw new Error(`unexpected duration ${String(value)}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60_000 + Number(m[4]) * 1000;
}

/**
 * The preload traces incoming requests with its own instrumentation (libs/telemetry/src/server-requests.ts:
 * the sampler decides before anything is read); `httpMetrics` switches back to OpenTelemetry's
 * HttpInstrumentation. The same requests through both must reach Application Insights as the same
 * RequestData: what the portal shows may not depend on which one ran.
 */
describe('incoming requests: the same RequestData from either instrumentation', () => {
  const probes: Array<{ name: string; method?: string; path: string; headers?: Record<string, string>; body?: string }> = [
    { name: 'a product', path: '/products/house-espresso-beans' },
    { name: 'a query string', path: '/products/house-espresso-beans?currency=EUR&lang=de' },
    { name: 'a missing product', path: '/products/no-such-thing' },
    { name: 'no route', path: '/nowhere/at/all' },
    { name: 'a body to a route without POST', method: 'POST', path: '/products', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' },
    { name: 'an unknown method', method: 'PURGE', path: '/products' },
    { name: 'behind an ingress', path: '/products/house-espresso-beans', headers: { 'x-forwarded-for': '203.0.113.7, 10.244.0.12', 'x-forwarded-host': 'shop.example.test', 'x-forwarded-proto': 'https' } },
    { name: 'RFC 7239 Forwarded', path: '/products', headers: { forwarded: 'for="[2001:db8::17]:4711";host=shop.example.test:8443;proto=https' } },
    { name: 'a browser', path: '/products', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) shipyard-test' } },
  ];

  it('sends each probe to a catalog-api traced by each, and compares the envelopes field by field (ids, times and client ports aside)', async () => {
    const features = 'http,standardMetrics,performanceCounters,undici,libraries,spanProcessors';
    const ours = await start('catalog-api', telemetryEnv(endpoint.connectionString, { HOSTNAME: 'catalog-ours', TELEMETRY_FEATURES: features }));
    const otel = await start('catalog-api', telemetryEnv(endpoint.connectionString, { HOSTNAME: 'catalog-otel', TELEMETRY_FEATURES: `${features},httpMetrics` }));
    const traces = probes.map(() => randomBytes(16).toString('hex'));
    const parent = randomBytes(8).toString('hex');
    for (const service of [ours, otel]) {
      for (const [index, probe] of probes.entries()) {
        const response = await fetch(`${service.url}${probe.path}`, {
          method: probe.method ?? 'GET',
          headers: { ...probe.headers, traceparent: `00-${traces[index]}-${parent}-01` },
          body: probe.body,
        });
        await response.arrayBuffer();
      }
    }
    const requestOf = (traceId: string, instance: string) =>
      endpoint.envelopes().find((e) => e.data.baseType === 'RequestData' && tag(e, 'ai.operation.id') === traceId && tag(e, 'ai.cloud.roleInstance') === instance);
    const comparable = (e: Envelope) => {
      const { id: _id, duration: _duration, properties, ...data } = base(e) as Record<string, unknown> & { properties?: Record<string, unknown> };
      const { 'network.peer.port': _port, ...kept } = properties ?? {};
      const { 'ai.cloud.roleInstance': _instance, 'ai.internal.nodeName': _node, ...tags } = e.tags ?? {};
      return { name: e.name, sampleRate: e.sampleRate, data, properties: kept, tags };
    };
    for (const [index, probe] of probes.entries()) {
      const [mine, theirs] = await eventually(
        () => {
          const pair = [requestOf(traces[index], 'catalog-ours'), requestOf(traces[index], 'catalog-otel')];
          return pair.every(Boolean) ? (pair as Envelope[]) : undefined;
        },
        10_000,
        `RequestData of "${probe.name}" from both`,
      );
      expect({ probe: probe.name, ...comparable(mine) }).toEqual({ probe: probe.name, ...comparable(theirs) });
    }
  }, 120_000);

  it('a request the sampler drops still carries its trace: past body parsing, to its callees and into every log line and its events, with no request or dependency recorded', async () => {
    // Rate-limited sampling at one trace per 1,000 s: no request here is recorded.
    const unsampled = { TELEMETRY_TRACES_PER_SECOND: '0.001', LOG_LEVEL: 'info' };
    const catalog = await start('catalog-api', telemetryEnv(endpoint.connectionString, unsampled));
    const checkout = await start('checkout-api', telemetryEnv(endpoint.connectionString, { ...unsampled, CATALOG_BASE_URL: catalog.url }));
    const traceId = randomBytes(16).toString('hex');
    // The body arrives in two packets 200 ms apart, so the parser's 'data' and 'end' come from the
    // socket, outside anything the request's own context reaches unless its events are bound to it.
    const body = Buffer.from(JSON.stringify({ items: [{ productId: 'house-espresso-beans', quantity: 1 }] }));
    const slowBody = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(body.subarray(0, 10));
        await new Promise((resolve) => setTimeout(resolve, 200));
        controller.enqueue(body.subarray(10));
        controller.close();
      },
    });
    const response = await fetch(`${checkout.url}/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-00` },
      body: slowBody,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(200);
    // Custom events are not traces: checkout's QuoteCreated is sent whatever the sampler said, on
    // the dropped request's operation id. Once it is in, spans exported with it would be too.
    const event = await eventually(() => find(ofOperation(traceId), 'EventData', 'checkout-api')[0], 10_000, 'QuoteCreated on the dropped operation');
    expect(base(event).name).toBe('QuoteCreated');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const linesOf = (service: ServiceProcess) =>
      service
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"request completed"'))
        .map((line) => JSON.parse(line) as { trace_id?: string; trace_flags?: string; req: { url: string } });
    // checkout's own line is written on 'finish', after the JSON body was read from the socket.
    expect(linesOf(checkout).filter((line) => line.req.url === '/quotes')).toEqual([expect.objectContaining({ trace_id: traceId, trace_flags: '00' })]);
    // catalog heard of the trace through the traceparent checkout's fetch sent after parsing the body.
    expect(linesOf(catalog).filter((line) => line.req.url.startsWith('/products/'))).toEqual([expect.objectContaining({ trace_id: traceId, trace_flags: '00' })]);
    expect(ofOperation(traceId).filter((e) => e.data.baseType !== 'EventData')).toEqual([]);
  }, 60_000);
});

describe('pre-aggregated request metrics under rate-limited sampling', () => {
  // A known gap, pinned so that it cannot change unnoticed. Azure's sampling guidance says metrics
  // are not sampled and are what to alert on reliably
  // (https://learn.microsoft.com/azure/azure-monitor/app/opentelemetry-sampling, "General sampling
  // guidance"), and the distro's own percentage sampler records sampled-out spans for that reason
  // (@azure/monitor-opentelemetry 1.12+, traces/sampler.d.ts, its header comment). But the distro
  // computes standard metrics in its span processor, and its RateLimitedSampler (the default, 5
  // traces/s) answers NOT_RECORD for a dropped span, so the processor never sees it: the portal's
  // Server requests / Failed requests charts and metric alerts count only the kept requests.
  // RequestData marks itself `_MS.ProcessedByMetricExtractors`, so ingestion does not re-count.
  // The kept RequestData carry the item count (100 / sampleRate) that restores the total in
  // log-based queries (`sum(itemCount)`). If this test fails because the counts became equal to
  // the requests served, the gap is closed: turn the assertions around and update the README.
  it('requests/duration counts the requests the sampler kept, not the requests served; item counts restore the total', async () => {
    const instance = 'catalog-rate-limited';
    const catalog = await start('catalog-api', telemetryEnv(endpoint.connectionString, { HOSTNAME: instance, TELEMETRY_TRACES_PER_SECOND: '5' }));
    const served = 400;
    for (let i = 0; i < served; i++) await (await fetch(`${catalog.url}/products/house-espresso-beans`)).arrayBuffer();
    // Stopping flushes every pending span and metric.
    expect(await catalog.stop()).toBe(0);
    const mine = endpoint.envelopes().filter((e) => tag(e, 'ai.cloud.roleInstance') === instance || (base(e).properties as Record<string, string> | undefined)?.['cloud/roleInstance'] === instance);
    const kept = mine.filter((e) => e.data.baseType === 'RequestData' && base(e).responseCode === '200');
    const standardCount = mine
      .filter((e) => e.data.baseType === 'MetricData' && (base(e).properties as Record<string, string>)['_MS.MetricId'] === 'requests/duration')
      .filter((e) => (base(e).properties as Record<string, string>)['request/resultCode'] === '200')
      .flatMap((e) => base(e).metrics as Array<{ count?: number }>)
      .reduce((sum, metric) => sum + (metric.count ?? 1), 0);
    const restored = kept.reduce((sum, e) => sum + 100 / ((e.sampleRate as number | undefined) ?? 100), 0);
    process.stderr.write(`[standard metrics] ${served} requests served (plus readiness probes): ${kept.length} RequestData kept, requests/duration count ${standardCount}, item counts sum to ${restored.toFixed(0)}\n`);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(served / 4);
    expect(standardCount).toBe(kept.length);
    // Kept requests stand for the dropped ones through their item counts (100 / sampleRate; the
    // first few, sampled from the initial balance, carry none). The rate-limited sampler's
    // estimate is rough over a 2 s burst (140 to 728 for 400 served, seen here), so its sum is
    // printed and only required to exceed the number kept.
    expect(restored).toBeGreaterThan(kept.length);
  }, 60_000);
});

describe('telemetry never harms the service', () => {
  // A fixed number of requests with every request recorded, bounded in time as well. The first
  // quarter is warm-up; after it the heap left after each major GC must stay flat: a leak of 100
  // bytes per request, say a failed batch kept for retry, is 1 MiB per 10k requests. The heap is
  // the sensitive figure: V8 keeps the pages it has committed, so a leak can fill them for a long
  // time before RSS moves. RSS is bounded, not held flat: with ingestion up or slow it grew by
  // 10-28 MiB over 40k measured requests in some runs, outside the V8 heap (heap and
  // external memory flat); see libs/telemetry/README.md, "Never harms the service".
  const requests = 80_000;
  const warmupRequests = 20_000;
  let soakEndpoint: TelemetryEndpoint;

  beforeAll(async () => {
    // Its own endpoint, keeping little in memory: the soak sends tens of thousands of envelopes.
    soakEndpoint = await startTelemetryEndpoint({ port: 0, dataFile: path.join(dir, 'soak.jsonl'), key: cert.key, cert: cert.cert, memoryLimit: 1000 });
  });
  afterAll(async () => soakEndpoint?.stop());

  it.each([
    ['ingestion up', 'none'],
    ['ingestion down (port closed)', 'closed'],
    [`ingestion slow (${slowIngestionDelayMs} ms per batch)`, 'slow'],
    ['ingestion answering 500', '500'],
    ['ingestion hanging', 'hang'],
  ] as const)('%s: requests keep succeeding, the heap stays flat after warm-up, shutdown stays prompt', async (what, fault) => {
    const connectionString =
      fault === 'closed' ? `InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:${await freePort()}/` : soakEndpoint.connectionString;
    const heapProbeFile = path.join(dir, `heap-${fault}.txt`);
    soakEndpoint.setFault(fault === 'closed' ? 'none' : fault);
    try {
      const accepted = soakEndpoint.envelopes().length;
      const env = { TELEMETRY_EXPORT_TIMEOUT_MS: '1000', TELEMETRY_FLUSH_TIMEOUT_MS: '1000', SHIPYARD_HEAP_PROBE_FILE: heapProbeFile };
      const catalog = await start('catalog-api', telemetryEnv(connectionString, env), {
        requires: [heapProbePath],
        // A small old space makes a leak fail fast as well as show. A fixed young generation:
        // V8 otherwise grows its semi-spaces and first touches their pages over minutes, RSS
        // creeping ~0.6 MiB per 10k requests over 120k while the heap after each major GC
        // stayed at 35-36 MB (measured with --trace-gc).
        nodeArgs: ['--max-old-space-size=96', '--max-semi-space-size=4'],
      });
      const result = await soak(catalog, { url: `${catalog.url}/products/house-espresso-beans`, requests, warmupRequests, timeoutMs: 60_000, heapProbeFile });
      const { load, rss, heap } = result;
      expect({ errors: load.errors, timeouts: load.timeouts, non2xx: load.non2xx, ok: load['2xx'] }).toEqual({ errors: 0, timeouts: 0, non2xx: 0, ok: requests });
      // Requests never wait on export: with the export timeout at 1 s, a request that did would
      // take over a second. (An absolute bound, generous for a shared 2-core machine under load.)
      expect(load.latency.p99).toBeLessThan(800);
      const settled = (series: MemorySample[]) => afterWarmup(series, warmupRequests);
      const describeSeries = (name: string, series: MemorySample[], slope: number) =>
        `${name} ${settled(series)[0]?.mib.toFixed(1)} → ${series[series.length - 1].mib.toFixed(1)} MiB, slope ${slope.toFixed(2)} MiB/10k over ${settled(series).length} samples`;
      process.stderr.write(`[soak] ${what}, ${requests} requests after ${warmupRequests} of warm-up: ${describeSeries('RSS', rss.samples, rss.slopeMiBPer10k)}; ${heap ? describeSeries('heap after major GC', heap.samples, heap.slopeMiBPer10k) : ''}\n`);
      expect(heap?.slopeMiBPer10k).toBeLessThanOrEqual(1);
      // A backstop for native leaks: 2 KB a request would add 117 MiB here.
      expect(rss.samples[rss.samples.length - 1].mib - settled(rss.samples)[0].mib).toBeLessThan(64);
      // Up, the telemetry arrived (so the soak measured the exporting path, not a stalled one).
      if (fault === 'none') await eventually(() => (soakEndpoint.envelopes().length > accepted ? true : undefined), 10_000, 'envelopes from the soak');
      const stopping = Date.now();
      expect(await catalog.stop()).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(5000);
    } finally {
      soakEndpoint.setFault('none');
    }
  }, 120_000);
});

describe('telemetry off', () => {
  it('without a connection string a service opens no outbound connection and says so once', async () => {
    const record = path.join(dir, 'connects.jsonl');
    writeFileSync(record, '');
    const catalog = await start('catalog-api', { CONNECT_RECORD_FILE: record, LOG_LEVEL: 'info', SHIPYARD_NETGUARD_REPORT: guardReport }, { requires: [recorder] });
    for (let i = 0; i < 20; i++) await (await fetch(`${catalog.url}/products/house-espresso-beans`)).arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await catalog.stop()).toBe(0);
    expect(readFileSync(record, 'utf8')).toBe('');
    expect(catalog.output().split('\n').filter((line) => line.includes('telemetry off'))).toEqual([
      expect.stringContaining('APPLICATIONINSIGHTS_CONNECTION_STRING is not set'),
    ]);
  });
});

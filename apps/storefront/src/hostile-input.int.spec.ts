import { connect } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { PROBLEM_CONTENT_TYPE, problemDetailsSchema, quoteSchema, type ProductList } from '@shipyard/contracts';
import { startBuiltService, stopAll, workspaceRoot, type RunningService } from './testing/built-service';

// Bad requests from loopback, as an attacker would send them, against the three services running
// as built (storefront → checkout-api → catalog-api): a fixed corpus plus property-based JSON and
// path shapes (fast-check; fixed seed under CI). Every answer must be < 500, every error
// problem+json, no process may die, and a valid quote must still work afterwards. Counts,
// sizes and durations are bounded; every byte goes to 127.0.0.1.

type Target = 'catalog' | 'checkout' | 'storefront';

interface Probe {
  name: string;
  target: Target;
  /** The request bytes, or the parts sent with a pause between them (a slow client). */
  parts: Buffer[];
  pauseMs?: number;
  /** The probe ends its request early: a closed connection without an answer is expected. */
  mayClose?: boolean;
}

interface Outcome {
  probe: Probe;
  /** HTTP status, or what happened instead. */
  status: number | 'closed' | 'timeout';
  contentType?: string;
  body: string;
}

const CI = Boolean(process.env.CI || process.env.TF_BUILD);
const SEED = CI ? 20_261_203 : Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GENERATED_RUNS = 40;
const BURST = 300;
const BURST_CONCURRENCY = 50;
const ANSWER_TIMEOUT_MS = 15_000;
const UPSTREAM_TIMEOUT_MS = 1500;
const guard = path.join(workspaceRoot, 'tools', 'testing', 'loopback-guard.cjs');

const CART = JSON.stringify({ items: [{ productId: 'PRODUCT', quantity: 2 }] });

/** One HTTP/1.1 request as bytes; `target` goes on the request line as given (not normalised). */
function http(method: string, target: string, init: { headers?: Record<string, string>; body?: Buffer | string; raw?: boolean } = {}): Buffer {
  const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body, 'utf8');
  const headers: Record<string, string> = { host: '127.0.0.1', connection: 'close', ...init.headers };
  if (body !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = String(body.length);
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
}

const json = (method: string, target: string, body: string | Buffer, contentType = 'application/json') => http(method, target, { headers: { 'content-type': contentType }, body });

/** Decodes a chunked body; enough for the answers of these services. */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Sends the probe over its own connection and reads the answer until the server closes it. */
function send(ports: Record<Target, number>, probe: Probe): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect(ports[probe.target], '127.0.0.1');
    const finish = (status?: Outcome['status']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      const headEnd = raw.indexOf('\r\n\r\n');
      if (status !== undefined || headEnd === -1) {
        resolve({ probe, status: status ?? 'closed', body: '' });
        return;
      }
      const head = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
      const code = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? NaN);
      const headers = Object.fromEntries(
        head.slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const rawBody = raw.subarray(headEnd + 4);
      const body = (/chunked/i.test(headers['transfer-encoding'] ?? '') ? dechunk(rawBody) : rawBody).toString('utf8');
      resolve({ probe, status: Number.isNaN(code) ? 'closed' : code, contentType: headers['content-type'], body });
    };
    const timer = setTimeout(() => finish('timeout'), ANSWER_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', () => finish());
    socket.once('connect', async () => {
      for (const [index, part] of probe.parts.entries()) {
        if (index > 0 && probe.pauseMs) await new Promise((resolve) => setTimeout(resolve, probe.pauseMs));
        if (socket.destroyed) return;
        socket.write(part);
      }
      if (probe.mayClose) setTimeout(() => socket.end(), probe.pauseMs ?? 0);
    });
  });
}

async function sendAll(ports: Record<Target, number>, probes: readonly Probe[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(probes.length);
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const index = next++;
      outcomes[index] = await send(ports, probes[index] as Probe);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, probes.length) }, worker));
  return outcomes;
}

/** Characters a request line may carry as they are; everything else is percent-encoded (a raw `%` stays, malformed or not). */
function asRequestTarget(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => (/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

function fixedCorpus(productId: string): Probe[] {
  const cart = CART.replace('PRODUCT', productId);
  const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const huge = `{"items":[${Array.from({ length: 40_000 }, () => `{"productId":"${productId}","quantity":1}`).join(',')}]}`;
  const probes: Array<Omit<Probe, 'parts'> & { parts: Buffer | Buffer[] }> = [];
  const add = (name: string, target: Target, parts: Buffer | Buffer[], extra: Partial<Probe> = {}) => probes.push({ name, target, parts, ...extra });

  // Malformed percent-escapes, direct and through the BFF.
  for (const escape of ['%FF', '%', '%E0%A4%A', '%00', '%2', '%%', '%C0%AF']) {
    add(`GET /products/${escape}`, 'catalog', http('GET', `/products/${escape}`));
    add(`GET /api/catalog/products/${escape}`, 'storefront', http('GET', `/api/catalog/products/${escape}`));
    add(`GET /${escape} (static)`, 'storefront', http('GET', `/${escape}`));
  }
  add('GET /products?category=%FF', 'catalog', http('GET', '/products?category=%FF'));
  add('GET /products?limit=1&limit=2', 'catalog', http('GET', '/products?limit=1&limit=2'));
  add('GET /products?limit[$gt]=1', 'catalog', http('GET', '/products?limit[$gt]=1'));
  add('GET /products?__proto__[x]=1', 'catalog', http('GET', '/products?__proto__[x]=1'));
  add('GET /products?limit=1e999', 'catalog', http('GET', '/products?limit=1e999'));

  // Deep and huge JSON.
  for (const [target, route] of [['checkout', '/quotes'], ['storefront', '/api/checkout/quotes']] as const) {
    add(`POST ${route} 5,000-deep array`, target, json('POST', route, deep(5000)));
    add(`POST ${route} 30,000-deep array`, target, json('POST', route, deep(30_000)));
    add(`POST ${route} 10,000-deep object`, target, json('POST', route, deepObject(10_000)));
    add(`POST ${route} 1.6 MB cart`, target, json('POST', route, huge));
    add(`POST ${route} 1.6 MB cart, chunked`, target, http('POST', route, { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: `${huge.length.toString(16)}\r\n${huge}\r\n0\r\n\r\n` }));
    add(`POST ${route} 100,000 lines`, target, json('POST', route, `{"items":[${'1,'.repeat(99_999)}1]}`));
    // Charsets and content types.
    add(`POST ${route} utf-16le cart`, target, json('POST', route, Buffer.from(cart, 'utf16le'), 'application/json; charset=utf-16le'));
    add(`POST ${route} charset=klingon`, target, json('POST', route, cart, 'application/json; charset=klingon'));
    add(`POST ${route} gzip-encoded`, target, http('POST', route, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: cart }));
    add(`POST ${route} content-encoding: br`, target, http('POST', route, { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: cart }));
    add(`POST ${route} text/plain`, target, json('POST', route, cart, 'text/plain'));
    add(`POST ${route} form`, target, json('POST', route, 'items=1', 'application/x-www-form-urlencoded'));
    add(`POST ${route} multipart`, target, json('POST', route, '--b\r\n\r\nx\r\n--b--', 'multipart/form-data; boundary=b'));
    add(`POST ${route} no content-type`, target, http('POST', route, { body: cart }));
    add(`POST ${route} odd content-type`, target, json('POST', route, cart, 'application/json;;;charset="\\"'));
    add(`POST ${route} invalid UTF-8`, target, json('POST', route, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])));
    add(`POST ${route} BOM`, target, json('POST', route, `\ufeff${cart}`));
    add(`POST ${route} empty body`, target, json('POST', route, ''));
    add(`POST ${route} null`, target, json('POST', route, 'null'));
    add(`POST ${route} truncated`, target, json('POST', route, cart.slice(0, 20)));
    // Duplicate and prototype-polluting keys.
    add(`POST ${route} duplicate items`, target, json('POST', route, `{"items":[],"items":${JSON.stringify(JSON.parse(cart).items)}}`));
    add(`POST ${route} __proto__`, target, json('POST', route, `{"__proto__":{"polluted":true},"items":${JSON.stringify(JSON.parse(cart).items)}}`));
    add(`POST ${route} constructor.prototype`, target, json('POST', route, `{"constructor":{"prototype":{"polluted":true}},"items":[]}`));
    add(`POST ${route} line __proto__`, target, json('POST', route, `{"items":[{"productId":"${productId}","quantity":1,"__proto__":{"quantity":5}}]}`));
    add(`POST ${route} quantity 1e309`, target, json('POST', route, `{"items":[{"productId":"${productId}","quantity":1e309}]}`));
    add(`POST ${route} quantity -0`, target, json('POST', route, `{"items":[{"productId":"${productId}","quantity":-0}]}`));
    add(`POST ${route} 10,000-digit number`, target, json('POST', route, `{"items":[{"productId":"${productId}","quantity":${'9'.repeat(10_000)}}]}`));
    // Slow bodies: one that finishes, one that stops half way.
    const slow = json('POST', route, cart);
    add(`POST ${route} slow body (4 parts, 300 ms apart)`, target, [slow.subarray(0, 60), slow.subarray(60, 120), slow.subarray(120, 150), slow.subarray(150)], { pauseMs: 300 });
    add(`POST ${route} body cut off`, target, [slow.subarray(0, slow.length - 10)], { mayClose: true, pauseMs: 200 });
    add(`POST ${route} Content-Length larger than body`, target, [http('POST', route, { headers: { 'content-type': 'application/json', 'content-length': String(cart.length + 50) }, body: cart })], { mayClose: true, pauseMs: 300 });
  }
  // A body slower than the BFF's upstream timeout: the client's delay, not the upstream's.
  const slower = json('POST', '/api/checkout/quotes', cart);
  add('POST /api/checkout/quotes body slower than UPSTREAM_TIMEOUT_MS', 'storefront', [slower.subarray(0, slower.length - 20), slower.subarray(slower.length - 20)], { pauseMs: UPSTREAM_TIMEOUT_MS + 700 });

  // Traversal and absolute-form targets.
  for (const target of [
    '/api/catalog/../../etc/passwd',
    '/api/catalog/%2e%2e/%2e%2e/etc/passwd',
    '/api/catalog/..%2f..%2fhealthz/ready',
    '/api/catalog/products/..%5c..%5cetc',
    '/api/catalog/healthz/ready',
    '/api/checkout/healthz/ready',
    '/api/catalog//products',
    '/api/catalog/products/%2e%2e',
    '/api/checkout/quotes/../../healthz/ready',
    '/..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/public/../server.js',
    '/app.js%00.html',
    'http://evil.example/api/catalog/products',
    'http://127.0.0.1:1/api/catalog/products',
    '//evil.example/api/catalog/products',
    '*',
  ]) {
    add(`GET ${target}`, 'storefront', http('GET', target));
  }
  add('GET /../../etc/passwd', 'catalog', http('GET', '/../../etc/passwd'));
  add('GET http://evil.example/products', 'catalog', http('GET', 'http://evil.example/products'));
  add('CONNECT evil.example:443', 'storefront', http('CONNECT', 'evil.example:443'));

  // Methods, headers and framing the parser or the BFF must refuse.
  add('TRACE /api/catalog/products', 'storefront', http('TRACE', '/api/catalog/products'));
  add('OPTIONS /api/checkout/quotes', 'storefront', http('OPTIONS', '/api/checkout/quotes'));
  add('DELETE /api/catalog/products/x', 'storefront', http('DELETE', '/api/catalog/products/x'));
  add('PROPFIND /', 'storefront', http('PROPFIND', '/'));
  add('BREW / (unknown method)', 'storefront', http('BREW', '/'));
  add('20 KB header', 'storefront', http('GET', '/api/catalog/products', { headers: { 'x-big': 'a'.repeat(20_000) } }));
  add('20 KB URL', 'storefront', http('GET', `/api/catalog/products/${'a'.repeat(20_000)}`));
  add('8 KB URL through the BFF', 'storefront', http('GET', `/api/catalog/products/${'a'.repeat(8_000)}`));
  add('20 KB header', 'catalog', http('GET', '/products', { headers: { 'x-big': 'a'.repeat(20_000) } }));
  add('3,000 headers', 'storefront', http('GET', '/api/catalog/products', { headers: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, 'v'])) }));
  add('Content-Length and Transfer-Encoding', 'storefront', http('POST', '/api/checkout/quotes', { headers: { 'content-type': 'application/json', 'content-length': '4', 'transfer-encoding': 'chunked' }, body: '0\r\n\r\n' }));
  add('two Content-Lengths', 'storefront', http('POST', '/api/checkout/quotes', { headers: { 'content-type': 'application/json', 'content-length': `${cart.length}, 1` }, body: cart }));
  // Broken framing in the body, after the request was handed to the app: the connection cannot be
  // trusted any more (request smuggling), so it is closed rather than answered.
  add('bad chunk size', 'storefront', http('POST', '/api/checkout/quotes', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: 'zz\r\n{}\r\n0\r\n\r\n' }), { mayClose: true });
  add('bare CR in a header', 'storefront', Buffer.from('GET /api/catalog/products HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\rb\r\nConnection: close\r\n\r\n', 'latin1'));
  add('no Host header', 'storefront', Buffer.from('GET /api/catalog/products HTTP/1.1\r\nConnection: close\r\n\r\n', 'latin1'));
  add('HTTP/0.9 request', 'storefront', Buffer.from('GET /\r\n\r\n', 'latin1'), { mayClose: true });
  add('HTTP/2 preface', 'storefront', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'));
  add('binary garbage', 'storefront', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256)));
  add('X-Forwarded-Host: evil', 'storefront', http('GET', '/api/catalog/products', { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'gopher' } }));
  add('header injection via x-request-id', 'storefront', http('GET', '/api/catalog/products', { headers: { 'x-request-id': 'a'.repeat(5000) } }));
  add('traceparent garbage', 'storefront', http('GET', '/api/catalog/products', { headers: { traceparent: '00-zz-zz-zz' } }));
  add('Accept: problem+json only', 'storefront', http('GET', '/api/catalog/products/missing', { headers: { accept: 'application/problem+json' } }));
  add('Range on a static file', 'storefront', http('GET', '/app.js', { headers: { range: 'bytes=999999999-' } }));
  add('If-None-Match: *', 'storefront', http('GET', '/styles.css', { headers: { 'if-none-match': '*' } }));

  return probes.map((probe) => ({ ...probe, parts: Array.isArray(probe.parts) ? probe.parts : [probe.parts] }));
}

function generatedProbes(productId: string): Probe[] {
  const runs = { numRuns: GENERATED_RUNS, seed: SEED };
  const segment = fc.oneof(
    fc.webSegment(),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('..', '.', '%2e%2e', '%2f', '%5c', '%00', '%', '%FF', '', 'healthz', 'ready', 'products', productId, '__proto__'),
  );
  const paths = fc.sample(fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => asRequestTarget(segments.join('/'))), runs);
  const quotes = fc.sample(
    fc.oneof(
      fc.jsonValue({ maxDepth: 8 }),
      fc.record(
        {
          items: fc.array(
            fc.record(
              { productId: fc.oneof(fc.constant(productId), fc.string({ maxLength: 70 })), quantity: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null)), extra: fc.jsonValue({ maxDepth: 2 }) },
              { requiredKeys: [] },
            ),
            { maxLength: 120 },
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    { ...runs, seed: SEED + 1 },
  );
  return [
    ...paths.map((p, i) => ({ name: `generated path #${i} → catalog`, target: 'catalog' as const, parts: [http('GET', `/${p}`)] })),
    ...paths.map((p, i) => ({ name: `generated path #${i} → /api/catalog`, target: 'storefront' as const, parts: [http('GET', `/api/catalog/${p}`)] })),
    ...paths.map((p, i) => ({ name: `generated path #${i} → storefront`, target: 'storefront' as const, parts: [http('GET', `/${p}`)] })),
    ...quotes.map((q, i) => ({ name: `generated JSON #${i} → checkout`, target: 'checkout' as const, parts: [json('POST', '/quotes', JSON.stringify(q))] })),
    ...quotes.map((q, i) => ({ name: `generated JSON #${i} → /api/checkout`, target: 'storefront' as const, parts: [json('POST', '/api/checkout/quotes', JSON.stringify(q))] })),
  ];
}

/** What is wrong with one outcome, if anything. */
function problemWith(outcome: Outcome): string | undefined {
  const { status, probe } = outcome;
  if (status === 'timeout') return 'no answer in time';
  if (status === 'closed') return probe.mayClose ? undefined : 'connection closed without an answer';
  if (status >= 500) return `server error ${status}: ${outcome.body.slice(0, 200)}`;
  if (status < 400) return undefined;
  if (!(outcome.contentType ?? '').startsWith(PROBLEM_CONTENT_TYPE)) return `error ${status} as ${outcome.contentType ?? 'no content type'}, not problem+json`;
  try {
    const document = problemDetailsSchema.parse(JSON.parse(outcome.body));
    if (document.status !== status) return `problem status ${document.status} ≠ ${status}`;
  } catch {
    return `error ${status} body is not a problem document`;
  }
  return undefined;
}

function table(outcomes: readonly Outcome[]): string {
  const width = Math.min(80, Math.max(...outcomes.map((o) => o.probe.name.length)));
  const lines = outcomes.map((o) => `${o.probe.name.slice(0, width).padEnd(width)}  ${o.probe.target.padEnd(10)}  ${String(o.status)}`);
  return [`${'probe'.padEnd(width)}  ${'target'.padEnd(10)}  status`, ...lines].join('\n');
}

function histogram(outcomes: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(String(o.status), (counts.get(String(o.status)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([status, count]) => `${status}×${count}`).join(' ');
}

describe('hostile input against the running services', () => {
  const services: RunningService[] = [];
  let ports: Record<Target, number>;
  let productId: string;
  const pids = new Map<string, number | undefined>();

  beforeAll(async () => {
    // The services get the loopback guard too, whether or not the runner preloaded it.
    const nodeOptions = (process.env.NODE_OPTIONS ?? '').includes('loopback-guard') ? (process.env.NODE_OPTIONS ?? '') : `${process.env.NODE_OPTIONS ?? ''} --require ${guard}`.trim();
    const env = { NODE_OPTIONS: nodeOptions, LOG_LEVEL: 'warn' };
    const catalog = await startBuiltService({ app: 'catalog-api', env });
    services.push(catalog);
    const checkout = await startBuiltService({ app: 'checkout-api', env: { ...env, CATALOG_BASE_URL: catalog.url } });
    services.push(checkout);
    const storefront = await startBuiltService({
      app: 'storefront',
      env: { ...env, CATALOG_BASE_URL: catalog.url, CHECKOUT_BASE_URL: checkout.url, UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) },
    });
    services.push(storefront);
    for (const service of services) pids.set(service.app, service.child.pid);
    ports = { catalog: catalog.port, checkout: checkout.port, storefront: storefront.port };
    const list = (await (await fetch(`${catalog.url}/products?limit=1`)).json()) as ProductList;
    productId = list.items[0]?.id ?? 'missing';
  }, 90_000);

  afterAll(async () => {
    await stopAll(services);
  });

  it('answers every bad request below 500, errors as problem+json, keeps every process, and still quotes', async () => {
    const corpus = fixedCorpus(productId);
    const generated = generatedProbes(productId);
    const fixedOutcomes = await sendAll(ports, corpus, 8);
    const generatedOutcomes = await sendAll(ports, generated, 8);
    // A burst of a few hundred bad requests at once against the storefront.
    const burstSource = corpus.filter((p) => p.target === 'storefront' && p.parts.length === 1 && !p.mayClose);
    const burst = Array.from({ length: BURST }, (_, i) => ({ ...(burstSource[i % burstSource.length] as Probe), name: `burst: ${(burstSource[i % burstSource.length] as Probe).name}` }));
    const burstOutcomes = await sendAll(ports, burst, BURST_CONCURRENCY);

    const all = [...fixedOutcomes, ...generatedOutcomes, ...burstOutcomes];
    const failures = all.map((o) => ({ o, why: problemWith(o) })).filter((f) => f.why !== undefined);
    const serverErrors = all.filter((o) => typeof o.status === 'number' && o.status >= 500).length;

    const quote = await fetch(`http://127.0.0.1:${ports.storefront}/api/checkout/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: CART.replace('PRODUCT', productId),
    });
    const quoteBody: unknown = await quote.json();
    const alive = services.map((s) => ({ app: s.app, pid: s.child.pid, alive: s.child.exitCode === null && s.child.signalCode === null }));
    const crashed = alive.filter((s) => !s.alive || s.pid !== pids.get(s.app)).length;
    const errorLogs = services.flatMap((s) => s.output().split('\n').filter((line) => /"level":("error"|"fatal"|50|60)/.test(line)).map((line) => `${s.app}: ${line.slice(0, 300)}`));

    process.stdout.write(
      [
        '',
        `hostile input (fast-check seed ${SEED}${CI ? ', fixed under CI' : ''}): ${fixedOutcomes.length} fixed probes, ${generatedOutcomes.length} generated, burst of ${burstOutcomes.length} (${BURST_CONCURRENCY} at a time)`,
        table(fixedOutcomes),
        '',
        `fixed corpus:  ${histogram(fixedOutcomes)}`,
        `generated:     ${histogram(generatedOutcomes)}`,
        `burst:         ${histogram(burstOutcomes)}`,
        `caused 5xx: ${serverErrors} · crashed processes: ${crashed} (pids ${alive.map((s) => `${s.app}=${s.pid}`).join(', ')}) · error log lines: ${errorLogs.length} · valid quote afterwards: ${quote.status}`,
        '',
      ].join('\n'),
    );

    expect(failures.map((f) => `${f.o.probe.name} → ${f.o.probe.target}: ${f.why}`)).toEqual([]);
    expect(serverErrors).toBe(0);
    expect(crashed).toBe(0);
    expect(errorLogs).toEqual([]);
    expect(quote.status).toBe(200);
    expect(quoteSchema.parse(quoteBody).lines[0]?.productId).toBe(productId);
    expect(JSON.stringify(quoteBody)).not.toContain('polluted');
  }, 240_000);
});

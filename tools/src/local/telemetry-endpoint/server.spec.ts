import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { loadOrCreateCertificate } from './certificate';
import { DEFAULT_INSTRUMENTATION_KEY, startTelemetryEndpoint, type TelemetryEndpoint } from './server';

const envelope = (role: string) => ({
  name: 'Microsoft.ApplicationInsights.Request',
  time: new Date().toISOString(),
  iKey: DEFAULT_INSTRUMENTATION_KEY,
  tags: { 'ai.cloud.role': role },
  data: { baseType: 'RequestData', baseData: { name: 'GET /products/:id', duration: '00:00:00.012', success: true, responseCode: '200' } },
});

describe('telemetry endpoint (HTTPS on loopback)', () => {
  let dir: string;
  let endpoint: TelemetryEndpoint;
  let dispatcher: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tel-endpoint-'));
    const cert = await loadOrCreateCertificate(path.join(dir, 'certs'));
    dispatcher = new Agent({ connect: { ca: cert.cert } });
    endpoint = await startTelemetryEndpoint({
      port: 0,
      dataFile: path.join(dir, 'envelopes.jsonl'),
      key: cert.key,
      cert: cert.cert,
      allowedOrigins: ['http://127.0.0.1:3000'],
      maxBodyBytes: 1024 * 1024,
    });
  });
  afterAll(async () => {
    await endpoint.stop();
    await dispatcher.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (p: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    request(`${endpoint.url}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, dispatcher });

  it('serves a certificate that verifies for 127.0.0.1 and prints a matching connection string', () => {
    expect(endpoint.connectionString).toBe(`InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=${endpoint.url}/;LiveEndpoint=${endpoint.url}/`);
  });

  it('accepts gzip arrays on /v2.1/track and NDJSON on /v2/track, answering like the real service, and appends JSONL', async () => {
    const a = await post('/v2.1/track', gzipSync(JSON.stringify([envelope('catalog-api'), envelope('catalog-api')])), { 'content-encoding': 'gzip' });
    expect(a.statusCode).toBe(200);
    expect(await a.body.json()).toEqual({ itemsReceived: 2, itemsAccepted: 2, appId: null, errors: [] });
    const b = await post('/v2/track', `${JSON.stringify(envelope('storefront'))}\n`);
    expect(await b.body.json()).toMatchObject({ itemsAccepted: 1 });
    await endpoint.drained();
    const lines = readFileSync(path.join(dir, 'envelopes.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).tags['ai.cloud.role'])).toEqual(['catalog-api', 'catalog-api', 'storefront']);
  });

  it('answers 400 to malformed bodies and keeps serving', async () => {
    const bad = await post('/v2.1/track', '[{"name":');
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ itemsAccepted: 0, errors: [{ statusCode: 400 }] });
    const partial = await post('/v2.1/track', JSON.stringify([envelope('catalog-api'), { nope: true }]));
    expect(partial.statusCode).toBe(206);
    await partial.body.dump();
    const summary = await request(`${endpoint.url}/api/summary`, { dispatcher });
    expect((await summary.body.json()) as { roles: unknown[] }).toMatchObject({ roles: [{ role: 'catalog-api', requests: 3 }, { role: 'storefront', requests: 1 }] });
  });

  it('answers CORS preflights for the browser SDK', async () => {
    const res = await request(`${endpoint.url}/v2/track`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-headers': 'content-type,sdk-context' },
      dispatcher,
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3000');
    expect(res.headers['access-control-allow-headers']).toBe('content-type,sdk-context');
    await res.body.dump();
  });

  it.each(['https://evil.example', 'http://127.0.0.1:3001', 'null'])('gives the origin %s no CORS headers and refuses its preflight', async (origin) => {
    const preflight = await request(`${endpoint.url}/v2/track`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-headers': 'content-type' },
      dispatcher,
    });
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    await preflight.body.dump();
    const summary = await request(`${endpoint.url}/api/summary`, { headers: { origin }, dispatcher });
    expect(summary.headers['access-control-allow-origin']).toBeUndefined();
    await summary.body.dump();
  });

  it('refuses envelopes for another instrumentation key', async () => {
    const res = await post('/v2.1/track', JSON.stringify([envelope('catalog-api'), { ...envelope('intruder'), iKey: 'someone-else' }]));
    expect(res.statusCode).toBe(206);
    expect(await res.body.json()).toMatchObject({
      itemsReceived: 2,
      itemsAccepted: 1,
      errors: [{ index: 1, statusCode: 400, message: 'iKey: not the instrumentation key this endpoint was started with' }],
    });
    expect(endpoint.envelopes().some((e) => e.tags?.['ai.cloud.role'] === 'intruder')).toBe(false);
  });

  it('answers 413 to a gzip body that inflates beyond the limit, without inflating it all', async () => {
    // 64 MiB of zeros compress to ~64 KiB: far below the 1 MiB body limit, far above it inflated.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await post('/v2.1/track', bomb, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toMatchObject({ itemsAccepted: 0, errors: [{ message: 'body inflates beyond 1048576 bytes' }] });
  });

  it('simulates ingestion faults on demand', async () => {
    endpoint.setFault('500');
    const res = await post('/v2.1/track', JSON.stringify([envelope('x')]));
    expect(res.statusCode).toBe(500);
    await res.body.dump();
    endpoint.setFault('none');
  });
});

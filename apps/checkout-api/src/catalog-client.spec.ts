import { CatalogClient, CatalogProtocolError, CatalogUnavailableError, type CatalogClientOptions } from './catalog-client';
import { catalogOf, product, startFakeCatalog, type FakeCatalog, type Handler } from './test-support/fake-catalog';

const teapot = product('teapot', 2999);

let catalog: FakeCatalog;
let client: CatalogClient;
let delays: number[];

function clientFor(overrides: Partial<CatalogClientOptions> = {}): CatalogClient {
  delays = [];
  return new CatalogClient({
    baseUrl: catalog.url,
    timeoutMs: 200,
    retries: 2,
    backoff: { baseMs: 100, maxMs: 1000 },
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...overrides,
  });
}

/** Fails the first `failures` requests with `failure`, then answers like the catalog. */
function failingFirst(failures: number, failure: Handler): Handler {
  let seen = 0;
  const healthy = catalogOf([teapot]);
  return (req, res) => (seen++ < failures ? failure(req, res) : healthy(req, res));
}

const answer503: Handler = (_req, res) => res.writeHead(503).end();
const resetConnection: Handler = (req) => req.socket.destroy();
const neverAnswer: Handler = () => undefined;

beforeEach(async () => {
  catalog = await startFakeCatalog(catalogOf([teapot]));
  client = clientFor();
});

afterEach(async () => {
  await client.close();
  await catalog.close();
});

describe('CatalogClient.getProduct', () => {
  it('fetches a product in one request, forwarding the request id', async () => {
    await expect(client.getProduct('teapot', { requestId: 'req-1' })).resolves.toEqual(teapot);
    expect(catalog.requests).toEqual(['GET /products/teapot']);
    expect(catalog.headers[0]?.['x-request-id']).toBe('req-1');
  });

  it('answers undefined for a product the catalog does not know, without retrying the 404', async () => {
    await expect(client.getProduct('kettle')).resolves.toBeUndefined();
    expect(catalog.requests).toHaveLength(1);
  });

  it('accepts a base URL with a trailing slash', async () => {
    const slashed = clientFor({ baseUrl: `${catalog.url}/` });
    await expect(slashed.getProduct('teapot')).resolves.toEqual(teapot);
    expect(catalog.requests).toEqual(['GET /products/teapot']);
    await slashed.close();
  });

  it.each([
    ['a 503', answer503],
    ['a reset connection', resetConnection],
  ])('retries after %s with growing, jittered backoff, then succeeds', async (_label, failure) => {
    catalog.respond(failingFirst(2, failure));
    await expect(client.getProduct('teapot')).resolves.toEqual(teapot);
    expect(catalog.requests).toHaveLength(3);
    expect(delays).toEqual([50, 100]); // random 0.5 × ceilings 100, 200
  });

  it('retries a request that times out', async () => {
    catalog.respond(failingFirst(1, neverAnswer));
    await expect(client.getProduct('teapot')).resolves.toEqual(teapot);
    expect(catalog.requests).toHaveLength(2);
  });

  it('gives up after 1 + retries attempts with CatalogUnavailableError', async () => {
    catalog.respond(answer503);
    const failure = client.getProduct('teapot');
    await expect(failure).rejects.toThrow(CatalogUnavailableError);
    await expect(failure).rejects.toThrow('GET /products/teapot failed after 3 attempt(s): answered 503');
    expect(catalog.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('bounds each attempt by timeoutMs', async () => {
    catalog.respond(neverAnswer);
    const started = Date.now();
    await expect(client.getProduct('teapot')).rejects.toThrow('failed after 3 attempt(s): no answer within 200ms');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(3 * 190);
    expect(elapsed).toBeLessThan(3000);
    expect(catalog.requests).toHaveLength(3);
  });

  it('times out a catalog that stalls in the middle of the body', async () => {
    catalog.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
    });
    await expect(clientFor({ retries: 0 }).getProduct('teapot')).rejects.toThrow(/no answer within 200ms/);
  });

  it('fails at once when nothing listens, after its retries', async () => {
    await catalog.close();
    await expect(client.getProduct('teapot')).rejects.toThrow(/failed after 3 attempt\(s\): connect ECONNREFUSED 127.0.0.1:/);
  });

  it('does not retry with retries = 0', async () => {
    client = clientFor({ retries: 0 });
    catalog.respond(answer503);
    await expect(client.getProduct('teapot')).rejects.toThrow(CatalogUnavailableError);
    expect(catalog.requests).toHaveLength(1);
  });

  it.each([400, 401, 403, 409])('never retries a %i, and reports it as a protocol error', async (status) => {
    catalog.respond((_req, res) => res.writeHead(status).end());
    await expect(client.getProduct('teapot')).rejects.toThrow(CatalogProtocolError);
    expect(catalog.requests).toHaveLength(1);
  });

  it('treats 429 as unavailable without retrying it', async () => {
    catalog.respond((_req, res) => res.writeHead(429).end());
    await expect(client.getProduct('teapot')).rejects.toThrow(CatalogUnavailableError);
    expect(catalog.requests).toHaveLength(1);
  });

  it.each([
    ['not JSON', 'oops'],
    ['not a product', '{"id":"teapot"}'],
    ['another product', JSON.stringify(product('kettle', 1))],
  ])('rejects a 200 whose body is %s', async (_label, body) => {
    catalog.respond((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await expect(client.getProduct('teapot')).rejects.toThrow(CatalogProtocolError);
  });

  it('escapes the id into the path', async () => {
    await client.getProduct('a/b?c');
    expect(catalog.requests).toEqual(['GET /products/a%2Fb%3Fc']);
  });
});

describe('CatalogClient.send', () => {
  it('retries idempotent methods only', async () => {
    catalog.respond(answer503);
    await expect(client.send('POST', '/anything')).rejects.toThrow('POST /anything failed after 1 attempt(s): answered 503');
    expect(catalog.requests).toEqual(['POST /anything']);

    catalog.requests.length = 0;
    await expect(client.send('GET', '/anything')).rejects.toThrow(CatalogUnavailableError);
    expect(catalog.requests).toEqual(['GET /anything', 'GET /anything', 'GET /anything']);
  });

  it('reports the attempts it took', async () => {
    catalog.respond(failingFirst(1, answer503));
    await expect(client.send('GET', '/products/teapot')).resolves.toMatchObject({ status: 200, attempts: 2 });
  });
});

describe('CatalogClient.checkReady', () => {
  it('resolves when the catalog is ready', async () => {
    await expect(client.checkReady()).resolves.toBeUndefined();
    expect(catalog.requests).toEqual(['GET /healthz/ready']);
  });

  it('rejects, in one attempt, when the catalog is not ready, hangs or is gone', async () => {
    catalog.respond(answer503);
    await expect(client.checkReady()).rejects.toThrow('catalog readiness answered 503');
    expect(catalog.requests).toHaveLength(1);

    catalog.respond(neverAnswer);
    await expect(clientFor({ readinessTimeoutMs: 50 }).checkReady()).rejects.toThrow('no answer within 50ms');

    await catalog.close();
    await expect(client.checkReady()).rejects.toThrow(/ECONNREFUSED/);
  });
});

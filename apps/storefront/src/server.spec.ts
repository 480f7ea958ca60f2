import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Agent } from 'undici';
import { createServiceContext } from '@shipyard/service-kit';
import { freeLoopbackPort } from './testing/built-service';
import { buildStorefrontApp, type StorefrontConfig } from './server';
import { storefrontTestConfig } from './testing/storefront-config';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface FakeUpstream {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** A loopback HTTP server that records what reaches it and answers through `handler`. */
async function fakeUpstream(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<FakeUpstream> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    handler(req, res, body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const readyOrProducts = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/healthz/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'catalog', connection: 'keep-alive' });
  res.end(JSON.stringify({ items: [], page: { limit: 5, offset: 0, total: 0 } }));
};

describe('storefront server', () => {
  const agents: Agent[] = [];
  const upstreams: FakeUpstream[] = [];

  function app(overrides: Partial<StorefrontConfig>, pageConfig = {}) {
    const config = storefrontTestConfig(overrides);
    const dispatcher = new Agent({ connectTimeout: config.UPSTREAM_TIMEOUT_MS });
    agents.push(dispatcher);
    return buildStorefrontApp(createServiceContext('storefront', config), { pageConfig, dispatcher });
  }

  async function upstream(handler: Parameters<typeof fakeUpstream>[0]) {
    const fake = await fakeUpstream(handler);
    upstreams.push(fake);
    return fake;
  }

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
    await Promise.all(upstreams.splice(0).map((fake) => fake.close()));
  });

  describe('the page', () => {
    it('serves index.html with the config block filled in, under helmet CSP', async () => {
      const res = await request(app({}, { greeting: 'hello' })).get('/').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<script id="config" type="application/json">{"greeting":"hello"}</script>');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toMatch(/(^|;)style-src 'self'(;|$)/);
      // The only inline <script> is the JSON block; code comes from a same-origin file.
      const scripts = [...res.text.matchAll(/<script([^>]*)>(.*?)<\/script>/gs)];
      for (const [, attrs, body] of scripts) {
        if (body.trim() !== '') expect(attrs).toContain('type="application/json"');
      }
      expect(res.text).toContain('<script type="module" src="/app.js"></script>');
    });

    it('serves the browser assets', async () => {
      const server = app({});
      const script = await request(server).get('/app.js').expect(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
      expect(script.text).toContain("getElementById('config')");
      await request(server).get('/styles.css').expect(200).expect('content-type', /text\/css/);
    });

    it('answers unknown paths with a problem', async () => {
      const res = await request(app({})).get('/nope').expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });

  describe('the proxy', () => {
    it('rewrites /api/catalog/* to the catalog and forwards trace headers, not cookies', async () => {
      const catalog = await upstream(readyOrProducts);
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const res = await request(app({ CATALOG_BASE_URL: catalog.url }))
        .get('/api/catalog/products?category=tools&limit=5')
        .set('traceparent', traceparent)
        .set('x-request-id', 'req-123')
        .set('cookie', 'session=secret')
        .expect(200);

      expect(res.body).toEqual({ items: [], page: { limit: 5, offset: 0, total: 0 } });
      expect(res.headers['x-upstream']).toBe('catalog');
      expect(res.headers['x-request-id']).toBe('req-123');
      expect(catalog.seen).toHaveLength(1);
      const [seen] = catalog.seen;
      expect(seen.method).toBe('GET');
      expect(seen.url).toBe('/products?category=tools&limit=5');
      expect(seen.headers['traceparent']).toBe(traceparent);
      expect(seen.headers['x-request-id']).toBe('req-123');
      expect(seen.headers['cookie']).toBeUndefined();
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-forwarded-proto']).toBe('http');
    });

    it('extends the x-forwarded-for chain an ingress started', async () => {
      const catalog = await upstream(readyOrProducts);
      await request(app({ CATALOG_BASE_URL: catalog.url }))
        .get('/api/catalog/products')
        .set('x-forwarded-for', '203.0.113.7')
        .expect(200);
      expect(catalog.seen[0].headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    });

    it('sets x-forwarded-proto and -host from its own view, not from an untrusted client', async () => {
      const catalog = await upstream(readyOrProducts);
      await request(app({ CATALOG_BASE_URL: catalog.url }))
        .get('/api/catalog/products')
        .set('host', 'shop.example')
        .set('x-forwarded-proto', 'https')
        .set('x-forwarded-host', 'evil.example')
        .expect(200);
      expect(catalog.seen[0].headers['x-forwarded-proto']).toBe('http');
      expect(catalog.seen[0].headers['x-forwarded-host']).toBe('shop.example');
    });

    it('trusts forwarding headers from the private pod network (the AKS ingress) only', () => {
      const trust = app({}).get('trust proxy fn') as (address: string, hop: number) => boolean;
      expect(trust('10.244.1.17', 0)).toBe(true);
      expect(trust('127.0.0.1', 0)).toBe(false);
      expect(trust('203.0.113.7', 0)).toBe(false);
    });

    it('gives the upstream the request id the storefront made up when the browser sent none', async () => {
      const catalog = await upstream(readyOrProducts);
      const res = await request(app({ CATALOG_BASE_URL: catalog.url })).get('/api/catalog/products').expect(200);
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      expect(catalog.seen[0].headers['x-request-id']).toBe(res.headers['x-request-id']);
    });

    it('keeps a path prefix of the base URL', async () => {
      const catalog = await upstream(readyOrProducts);
      await request(app({ CATALOG_BASE_URL: `${catalog.url}/catalog/` }))
        .get('/api/catalog/products/p-1')
        .expect(200);
      expect(catalog.seen[0].url).toBe('/catalog/products/p-1');
    });

    it('posts the JSON body to the checkout and passes its answer through unchanged', async () => {
      const checkout = await upstream((_req, res) => {
        res.writeHead(422, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Unprocessable Entity', status: 422, detail: 'unknown product' }));
      });
      const quoteRequest = { items: [{ productId: 'p-1', quantity: 2 }] };
      const res = await request(app({ CHECKOUT_BASE_URL: checkout.url }))
        .post('/api/checkout/quotes')
        .send(quoteRequest)
        .expect(422);

      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.detail).toBe('unknown product');
      const [seen] = checkout.seen;
      expect(seen.method).toBe('POST');
      expect(seen.url).toBe('/quotes');
      expect(seen.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(seen.body)).toEqual(quoteRequest);
    });

    it('streams a body it cannot parse through as sent', async () => {
      const checkout = await upstream((_req, res, body) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${body}`);
      });
      const res = await request(app({ CHECKOUT_BASE_URL: checkout.url }))
        .post('/api/checkout/quotes')
        .set('content-type', 'text/plain')
        .send('plain words')
        .expect(200);
      expect(res.text).toBe('got plain words');
      expect(checkout.seen[0].headers['content-type']).toBe('text/plain');
    });

    it('forwards deeply nested JSON byte for byte instead of failing to re-serialise it', async () => {
      const checkout = await upstream((_req, res) => {
        res.writeHead(400, { 'content-type': 'application/problem+json' }).end('{"status":400,"title":"Bad Request"}');
      });
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      await request(app({ CHECKOUT_BASE_URL: checkout.url }))
        .post('/api/checkout/quotes')
        .set('content-type', 'application/json')
        .send(deep)
        .expect(400);
      expect(checkout.seen[0].body).toBe(deep);
    });

    it('keeps the bytes and charset of a UTF-16 body', async () => {
      const checkout = await upstream((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
      const cart = Buffer.from(JSON.stringify({ items: [{ productId: 'p-1', quantity: 1 }] }), 'utf16le');
      const server = app({ CHECKOUT_BASE_URL: checkout.url });
      await request(server).post('/api/checkout/quotes').set('content-type', 'application/json; charset=utf-16le')
        .serialize((body: Buffer) => body as unknown as string)
        .send(cart)
        .expect(200);
      // The NUL bytes of UTF-16 survive the fake's UTF-8 round trip, so this compares the raw bytes.
      expect(Buffer.from(checkout.seen[0].body, 'utf8').toString('hex')).toBe(cart.toString('hex'));
      expect(checkout.seen[0].headers['content-type']).toBe('application/json; charset=utf-16le');
      expect(checkout.seen[0].headers['content-length']).toBe(String(cart.length));
    });

    it.each([
      ['GET', '/api/catalog/healthz/ready'],
      ['GET', '/api/catalog/healthz/live'],
      ['GET', '/api/checkout/healthz/ready'],
      ['GET', '/api/catalog/metrics'],
      ['GET', '/api/catalog/products/p-1/extra'],
    ])('answers %s %s with 404 itself: only public routes reach the upstreams', async (method, path) => {
      const catalog = await upstream(readyOrProducts);
      const checkout = await upstream(readyOrProducts);
      const client = request(app({ CATALOG_BASE_URL: catalog.url, CHECKOUT_BASE_URL: checkout.url }));
      const res = await client[method.toLowerCase() as 'get'](path).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.text).not.toMatch(/checks|durationMs/);
      expect(catalog.seen.length + checkout.seen.length).toBe(0);
    });

    it('answers a public path with the wrong method 405 with Allow', async () => {
      const checkout = await upstream(readyOrProducts);
      const res = await request(app({ CHECKOUT_BASE_URL: checkout.url })).get('/api/checkout/quotes').expect(405);
      expect(res.headers['allow']).toBe('POST');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(checkout.seen).toHaveLength(0);
    });

    it('refuses dot segments instead of passing them on', async () => {
      const catalog = await upstream(readyOrProducts);
      await request(app({ CATALOG_BASE_URL: `${catalog.url}/catalog` }))
        .get('/api/catalog/%2e%2e/admin')
        .expect(400)
        .expect('content-type', /application\/problem\+json/);
      expect(catalog.seen).toHaveLength(0);
    });

    it('answers 502 problem+json at once when the upstream refuses connections', async () => {
      const closedPort = await freeLoopbackPort();
      const started = Date.now();
      const res = await request(app({ CATALOG_BASE_URL: `http://127.0.0.1:${closedPort}` }))
        .get('/api/catalog/products')
        .expect(502);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 502, title: 'Bad Gateway', detail: 'The catalog service could not be reached.' });
    });

    it('answers 504 problem+json after UPSTREAM_TIMEOUT_MS when the upstream never answers', async () => {
      const silent = await upstream(() => {
        // Accept the request and say nothing.
      });
      const started = Date.now();
      const res = await request(app({ CHECKOUT_BASE_URL: silent.url, UPSTREAM_TIMEOUT_MS: 300 }))
        .post('/api/checkout/quotes')
        .send({ items: [] })
        .expect(504);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(2000);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 504, title: 'Gateway Timeout', detail: 'The checkout service did not answer within 300 ms.' });
    });
  });

  it('lets go of the upstream request when the browser gives up', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const silent = await upstream((req) => {
      req.socket.once('close', () => upstreamClosed());
    });
    const server = app({ CATALOG_BASE_URL: silent.url, UPSTREAM_TIMEOUT_MS: 30_000 }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      await expect(fetch(`http://127.0.0.1:${port}/api/catalog/products`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
      await closed;
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  describe('readiness', () => {
    it('is ready when both upstreams are ready', async () => {
      const catalog = await upstream(readyOrProducts);
      const checkout = await upstream(readyOrProducts);
      const res = await request(app({ CATALOG_BASE_URL: catalog.url, CHECKOUT_BASE_URL: checkout.url }))
        .get('/healthz/ready')
        .expect(200);
      expect(res.body.checks).toMatchObject({ catalog: { status: 'pass' }, checkout: { status: 'pass' } });
      expect(catalog.seen.map((seen) => seen.url)).toEqual(['/healthz/ready']);
    });

    it('is not ready while an upstream is not ready', async () => {
      const catalog = await upstream(readyOrProducts);
      const checkout = await upstream((_req, res) => {
        res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{}');
      });
      const res = await request(app({ CATALOG_BASE_URL: catalog.url, CHECKOUT_BASE_URL: checkout.url }))
        .get('/healthz/ready')
        .expect(503);
      expect(res.body.checks).toMatchObject({ catalog: { status: 'pass' }, checkout: { status: 'fail' } });
    });
  });
});

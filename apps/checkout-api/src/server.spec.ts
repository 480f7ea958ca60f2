import request from 'supertest';
import type { Express } from 'express';
import { createServiceContext, startServer } from '@shipyard/service-kit';
import { problemDetailsSchema, quoteSchema } from '@shipyard/contracts';
import { CatalogClient } from './catalog-client';
import type { CheckoutConfig } from './config';
import { RETRY_AFTER_SECONDS } from './quotes';
import { buildCheckoutApp } from './server';
import { catalogOf, product, startFakeCatalog, type FakeCatalog } from './test-support/fake-catalog';

const products = [product('mug', 1250), product('filters', 450), product('beans', 1999)];

function configFor(catalogUrl: string): CheckoutConfig {
  return {
    HOST: '127.0.0.1',
    PORT: 8080,
    LOG_LEVEL: 'silent',
    SHUTDOWN_DEADLINE_MS: 1000,
    CATALOG_BASE_URL: catalogUrl,
    CATALOG_TIMEOUT_MS: 200,
    CATALOG_RETRIES: 2,
    TAX_RATE_BASIS_POINTS: 2000,
  };
}

let catalog: FakeCatalog;
let client: CatalogClient;
let app: Express;

beforeEach(async () => {
  catalog = await startFakeCatalog(catalogOf(products));
  const config = configFor(catalog.url);
  client = new CatalogClient({ baseUrl: catalog.url, timeoutMs: 200, retries: 2, sleep: async () => undefined });
  app = buildCheckoutApp(createServiceContext('checkout-api', config), client);
});

afterEach(async () => {
  await client.close();
  await catalog.close();
});

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return problemDetailsSchema.parse(res.body);
}

const validCart = { items: [{ productId: 'mug', quantity: 3 }, { productId: 'filters', quantity: 1 }, { productId: 'beans', quantity: 2 }] };

describe('POST /quotes', () => {
  it('quotes a cart with the catalog prices', async () => {
    const res = await request(app).post('/quotes').send(validCart).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const quote = quoteSchema.parse(res.body);
    expect(quote.lines.map((l) => [l.productId, l.unitPriceCents, l.quantity, l.lineTotalCents])).toEqual([
      ['mug', 1250, 3, 3750],
      ['filters', 450, 1, 450],
      ['beans', 1999, 2, 3998],
    ]);
    expect(quote).toMatchObject({ currency: 'EUR', subtotalCents: 8198, taxRateBasisPoints: 2000, taxCents: 1640, totalCents: 9838 });
    expect(catalog.requests.sort()).toEqual(['GET /products/beans', 'GET /products/filters', 'GET /products/mug']);
  });

  it('forwards the request id to the catalog', async () => {
    await request(app).post('/quotes').set('x-request-id', 'trace-me').send({ items: [{ productId: 'mug', quantity: 1 }] }).expect(200);
    expect(catalog.headers[0]?.['x-request-id']).toBe('trace-me');
  });

  it('fetches at most 8 products at once', async () => {
    let running = 0;
    let peak = 0;
    const healthy = catalogOf(Array.from({ length: 30 }, (_, i) => product(`p-${i}`, 100)));
    catalog.respond((req, res) => {
      running++;
      peak = Math.max(peak, running);
      // In flight until answered or given up by the client: an attempt the client's timeout aborted
      // (a loaded machine) frees its slot at once, though this handler's timer has not fired yet.
      res.once('close', () => running--);
      setTimeout(() => healthy(req, res), 10);
    });
    const cart = { items: Array.from({ length: 30 }, (_, i) => ({ productId: `p-${i}`, quantity: 1 })) };
    const quote = quoteSchema.parse((await request(app).post('/quotes').send(cart).expect(200)).body);
    expect(quote.subtotalCents).toBe(3000);
    // Each product once; on a loaded machine the 200 ms test timeout may add a retry, which the bound still covers.
    expect(new Set(catalog.requests).size).toBe(30);
    expect(peak).toBe(8);
  });

  it('answers 422 naming every unknown product by its index', async () => {
    const cart = { items: [{ productId: 'mug', quantity: 1 }, { productId: 'kettle', quantity: 1 }, { productId: 'gone', quantity: 2 }] };
    const problem = expectProblem(await request(app).post('/quotes').send(cart), 422);
    expect(problem.errors).toEqual([
      { field: 'items[1].productId', message: "no product with id 'kettle'" },
      { field: 'items[2].productId', message: "no product with id 'gone'" },
    ]);
  });

  it('answers 503 with Retry-After when the catalog keeps failing, after retrying', async () => {
    catalog.respond((_req, res) => res.writeHead(503).end());
    const res = await request(app).post('/quotes').send({ items: [{ productId: 'mug', quantity: 1 }] });
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    expect(catalog.requests).toHaveLength(3);
  });

  it('answers 503 with Retry-After when the catalog times out', async () => {
    catalog.respond(() => undefined);
    const started = Date.now();
    const res = await request(app).post('/quotes').send({ items: [{ productId: 'mug', quantity: 1 }] });
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers 503 with Retry-After when the catalog is down', async () => {
    await catalog.close();
    const res = await request(app).post('/quotes').send({ items: [{ productId: 'mug', quantity: 1 }] });
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
  });

  it('answers 502 when the catalog answers nonsense', async () => {
    catalog.respond((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"mug"}'));
    expectProblem(await request(app).post('/quotes').send({ items: [{ productId: 'mug', quantity: 1 }] }), 502);
  });

  it('answers 422 for a cart too expensive to quote exactly', async () => {
    catalog.respond(catalogOf([product('yacht', Number.MAX_SAFE_INTEGER)]));
    const problem = expectProblem(await request(app).post('/quotes').send({ items: [{ productId: 'yacht', quantity: 2 }] }), 422);
    expect(problem.detail).toBe('The cart total is too large to quote.');
  });

  describe('bad input', () => {
    const line = { productId: 'mug', quantity: 1 };
    const manyLines = (count: number) => Array.from({ length: count }, (_, i) => ({ productId: `p-${i}`, quantity: 1 }));

    // [label, raw body, expected status, content-type, fields that must be named]
    const table: [string, string, number, string, string[]][] = [
      ['invalid JSON', '{"items": [', 400, 'application/json', []],
      ['empty body', '', 400, 'application/json', ['items']],
      ['JSON null', 'null', 400, 'application/json', []],
      ['a JSON array', '[]', 400, 'application/json', ['body']],
      ['a JSON string', '"cart"', 400, 'application/json', []],
      ['a JSON number', '42', 400, 'application/json', []],
      ['missing items', '{}', 400, 'application/json', ['items']],
      ['items not an array', '{"items":"mug"}', 400, 'application/json', ['items']],
      ['items an object', '{"items":{"productId":"mug","quantity":1}}', 400, 'application/json', ['items']],
      ['no lines', '{"items":[]}', 400, 'application/json', ['items']],
      ['a line that is not an object', '{"items":[42]}', 400, 'application/json', ['items[0]']],
      ['missing productId', '{"items":[{"quantity":1}]}', 400, 'application/json', ['items[0].productId']],
      ['missing quantity', '{"items":[{"productId":"mug"}]}', 400, 'application/json', ['items[0].quantity']],
      ['numeric productId', '{"items":[{"productId":7,"quantity":1}]}', 400, 'application/json', ['items[0].productId']],
      ['path-like productId', '{"items":[{"productId":"../admin","quantity":1}]}', 400, 'application/json', ['items[0].productId']],
      ['string quantity', '{"items":[{"productId":"mug","quantity":"2"}]}', 400, 'application/json', ['items[0].quantity']],
      ['zero quantity', '{"items":[{"productId":"mug","quantity":0}]}', 400, 'application/json', ['items[0].quantity']],
      ['negative quantity', '{"items":[{"productId":"mug","quantity":-1}]}', 400, 'application/json', ['items[0].quantity']],
      ['fractional quantity', '{"items":[{"productId":"mug","quantity":1.5}]}', 400, 'application/json', ['items[0].quantity']],
      ['huge quantity', '{"items":[{"productId":"mug","quantity":1e300}]}', 400, 'application/json', ['items[0].quantity']],
      ['quantity above 1000', '{"items":[{"productId":"mug","quantity":1001}]}', 400, 'application/json', ['items[0].quantity']],
      [
        'duplicate productIds',
        JSON.stringify({ items: [line, { productId: 'beans', quantity: 1 }, { productId: 'mug', quantity: 2 }] }),
        400,
        'application/json',
        ['items[2].productId'],
      ],
      ['an unknown field on a line', '{"items":[{"productId":"mug","quantity":1,"priceCents":1}]}', 400, 'application/json', ['items[0]']],
      ['an unknown top-level field', '{"items":[{"productId":"mug","quantity":1}],"discount":100}', 400, 'application/json', ['body']],
      ['__proto__ smuggling', '{"items":[{"productId":"mug","quantity":1}],"__proto__":{"admin":true}}', 400, 'application/json', ['body']],
      ['101 lines', JSON.stringify({ items: manyLines(101) }), 400, 'application/json', ['items']],
      ['10 000 lines (over the body limit)', JSON.stringify({ items: manyLines(10_000) }), 413, 'application/json', []],
      ['a 200 kB payload', JSON.stringify({ items: [line], padding: 'x'.repeat(200_000) }), 413, 'application/json', []],
      ['text/plain', JSON.stringify({ items: [line] }), 415, 'text/plain', []],
      ['form encoded', 'items=mug', 415, 'application/x-www-form-urlencoded', []],
    ];

    const cases = table.map(([label, body, status, contentType, fields]) => ({ label, body, status, contentType, fields }));

    it.each(cases)('$label → $status problem+json', async ({ body, status, contentType, fields }) => {
      const res = await request(app).post('/quotes').set('content-type', contentType).send(body);
      const problem = expectProblem(res, status);
      expect(problem.status).toBe(status);
      const named = (problem.errors ?? []).map((e) => e.field);
      for (const field of fields) expect(named).toContain(field);
    });

    it('never reaches the catalog, and the service still quotes afterwards', async () => {
      for (const [, body, , contentType] of table) {
        await request(app).post('/quotes').set('content-type', contentType).send(body);
      }
      expect(catalog.requests).toEqual([]);
      const quote = quoteSchema.parse((await request(app).post('/quotes').send(validCart).expect(200)).body);
      expect(quote.totalCents).toBe(9838);
    });

    it('answers 404 problems for other methods and paths', async () => {
      expectProblem(await request(app).get('/quotes'), 404);
      expectProblem(await request(app).post('/quote').send(validCart), 404);
    });
  });
});

describe('readiness', () => {
  it('is ready while the catalog is ready', async () => {
    await request(app).get('/healthz/ready').expect(200);
    expect(catalog.requests).toEqual(['GET /healthz/ready']);
  });

  it('is not ready while the catalog is not ready', async () => {
    catalog.respond((_req, res) => res.writeHead(503).end());
    expectProblem(await request(app).get('/healthz/ready'), 503);
  });

  it('is not ready when the catalog is down, and stays live', async () => {
    await catalog.close();
    expectProblem(await request(app).get('/healthz/ready'), 503);
    await request(app).get('/healthz/live').expect(200);
  });
});

describe('wiring from configuration', () => {
  it('builds its own catalog client from the config, and closes its connections on shutdown', async () => {
    const ctx = createServiceContext('checkout-api', { ...configFor(catalog.url), PORT: 0 });
    const running = await startServer(ctx, buildCheckoutApp(ctx), { signals: [] });
    try {
      await request(running.url).post('/quotes').send({ items: [{ productId: 'beans', quantity: 1 }] }).expect(200);
      expect(catalog.requests).toEqual(['GET /products/beans']);
      expect(await catalog.openConnections()).toBe(1); // the client's pooled keep-alive connection
    } finally {
      await running.shutdown('test');
    }
    await waitFor(async () => (await catalog.openConnections()) === 0);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

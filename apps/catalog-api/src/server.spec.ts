import request from 'supertest';
import type { Express } from 'express';
import { createServiceContext } from '@shipyard/service-kit';
import { PRODUCT_QUERY_MAX_LIMIT, productListSchema, productSchema, problemDetailsSchema } from '@shipyard/contracts';
import { Catalog, loadCatalog } from './catalog';
import { buildCatalogApp } from './server';

const config = { HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'silent' as const, SHUTDOWN_DEADLINE_MS: 1000 };

let app: Express;
beforeAll(async () => {
  app = buildCatalogApp(createServiceContext('catalog-api', config), await loadCatalog());
});

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return problemDetailsSchema.parse(res.body);
}

describe('GET /products', () => {
  it('answers the first page with the default limit', async () => {
    const res = await request(app).get('/products').expect(200);
    const list = productListSchema.parse(res.body);
    expect(list.page).toEqual({ limit: 20, offset: 0, total: list.items.length });
    expect(list.items.length).toBeGreaterThanOrEqual(12);
  });

  it('pages with limit and offset', async () => {
    const all = productListSchema.parse((await request(app).get('/products?limit=100')).body).items;
    const page = productListSchema.parse((await request(app).get('/products?limit=5&offset=5').expect(200)).body);
    expect(page.items).toEqual(all.slice(5, 10));
    expect(page.page).toEqual({ limit: 5, offset: 5, total: all.length });
  });

  it('filters by category', async () => {
    const list = productListSchema.parse((await request(app).get('/products?category=tea').expect(200)).body);
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((p) => p.category === 'tea')).toBe(true);
    expect(list.page.total).toBe(list.items.length);
  });

  it('answers an empty page for a category without products', async () => {
    const list = productListSchema.parse((await request(app).get('/products?category=cocoa').expect(200)).body);
    expect(list).toEqual({ items: [], page: { limit: 20, offset: 0, total: 0 } });
  });

  it.each([
    [`limit=${PRODUCT_QUERY_MAX_LIMIT + 1}`, 'limit'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=1.5', 'offset'],
    ['offset=x', 'offset'],
    ['category=Not%20a%20slug', 'category'],
    ['limit=1&limit=2', 'limit'],
  ])('answers 400 naming the field for ?%s', async (query, field) => {
    const problem = expectProblem(await request(app).get(`/products?${query}`), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual([field]);
  });

  it('answers 400 for an unknown parameter', async () => {
    const problem = expectProblem(await request(app).get('/products?categroy=tea'), 400);
    expect(JSON.stringify(problem.errors)).toContain('categroy');
  });
});

describe('GET /products/:id', () => {
  it('answers the product', async () => {
    const res = await request(app).get('/products/burr-grinder').expect(200);
    expect(productSchema.parse(res.body)).toMatchObject({ id: 'burr-grinder', category: 'brewing', currency: 'EUR' });
  });

  it.each(['no-such-product', 'BURR-GRINDER', '%2e%2e'])('answers 404 problem+json for %s', async (id) => {
    const problem = expectProblem(await request(app).get(`/products/${id}`), 404);
    expect(problem.status).toBe(404);
  });
});

describe('health', () => {
  it('is ready once the catalog is loaded', async () => {
    await request(app).get('/healthz/ready').expect(200);
    await request(app).get('/healthz/live').expect(200);
  });

  it('is not ready with an empty catalog', async () => {
    const empty = buildCatalogApp(createServiceContext('catalog-api', config), new Catalog([]));
    expectProblem(await request(empty).get('/healthz/ready'), 503);
  });
});

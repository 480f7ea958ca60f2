import path from 'node:path';
import { productSchema, problemDetailsSchema, quoteSchema, type Product } from '@shipyard/contracts';
import { startService, workspaceRoot, type ServiceProcess } from './test-support/processes';

// Real processes from the build outputs (the integration target depends on both builds).
const catalogMain = path.join(workspaceRoot, 'apps/catalog-api/dist/main.js');
const checkoutMain = path.join(workspaceRoot, 'apps/checkout-api/dist/main.js');

const TAX_RATE_BASIS_POINTS = 1900;

let catalog: ServiceProcess;
let checkout: ServiceProcess;

beforeAll(async () => {
  catalog = await startService(catalogMain, {});
  checkout = await startService(checkoutMain, {
    CATALOG_BASE_URL: catalog.url,
    CATALOG_TIMEOUT_MS: '500',
    CATALOG_RETRIES: '2',
    TAX_RATE_BASIS_POINTS: String(TAX_RATE_BASIS_POINTS),
  });
});

afterAll(async () => {
  await checkout?.stop();
  await catalog?.stop();
});

async function catalogProduct(id: string): Promise<Product> {
  const res = await fetch(`${catalog.url}/products/${id}`);
  expect(res.status).toBe(200);
  return productSchema.parse(await res.json());
}

function postQuote(body: unknown): Promise<Response> {
  return fetch(`${checkout.url}/quotes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

describe('checkout-api against a real catalog-api', () => {
  it('is ready while the catalog is', async () => {
    expect((await fetch(`${checkout.url}/healthz/ready`)).status).toBe(200);
  });

  it('quotes a cart with the prices the catalog serves', async () => {
    const grinder = await catalogProduct('burr-grinder');
    const mug = await catalogProduct('stoneware-mug');
    const tea = await catalogProduct('assam-breakfast');

    const res = await postQuote({
      items: [
        { productId: 'burr-grinder', quantity: 1 },
        { productId: 'stoneware-mug', quantity: 4 },
        { productId: 'assam-breakfast', quantity: 3 },
      ],
    });
    expect(res.status).toBe(200);
    const quote = quoteSchema.parse(await res.json());

    const subtotal = grinder.priceCents + 4 * mug.priceCents + 3 * tea.priceCents;
    // Half-up rounding of subtotal × rate / 10000, done here independently of pricing.ts.
    const remainder = (subtotal * TAX_RATE_BASIS_POINTS) % 10_000;
    const tax = (subtotal * TAX_RATE_BASIS_POINTS - remainder) / 10_000 + (remainder >= 5_000 ? 1 : 0);
    expect(quote.lines.map((l) => [l.productId, l.unitPriceCents, l.lineTotalCents])).toEqual([
      ['burr-grinder', grinder.priceCents, grinder.priceCents],
      ['stoneware-mug', mug.priceCents, 4 * mug.priceCents],
      ['assam-breakfast', tea.priceCents, 3 * tea.priceCents],
    ]);
    expect(quote).toMatchObject({
      currency: 'EUR',
      subtotalCents: subtotal,
      taxRateBasisPoints: TAX_RATE_BASIS_POINTS,
      taxCents: tax,
      totalCents: subtotal + tax,
    });
  });

  it('answers 422 for a product the catalog does not have', async () => {
    const res = await postQuote({ items: [{ productId: 'burr-grinder', quantity: 1 }, { productId: 'unicorn', quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problemDetailsSchema.parse(await res.json()).errors).toEqual([
      { field: 'items[1].productId', message: "no product with id 'unicorn'" },
    ]);
  });

  it('answers 503 with Retry-After and turns not ready once the catalog is killed', async () => {
    expect(await catalog.stop('SIGKILL')).toBeNull();

    const res = await postQuote({ items: [{ productId: 'burr-grinder', quantity: 1 }] });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(problemDetailsSchema.parse(await res.json()).status).toBe(503);

    const ready = await fetch(`${checkout.url}/healthz/ready`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${checkout.url}/healthz/live`)).status).toBe(200);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await checkout.stop('SIGTERM')).toBe(0);
  });
});

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { QUOTE_MAX_QUANTITY, type Product, type ProductList } from '@shipyard/contracts';
import { startBuiltService, stopAll, workspaceRoot, type RunningService } from './testing/built-service';

// The whole path a shopper takes, through real processes: headless Chromium → storefront (BFF)
// → checkout-api → catalog-api, all on 127.0.0.1 ports picked for this run.

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const LOCALE = 'en-US';
const logDir = path.join(workspaceRoot, 'reports', 'logs', 'storefront-integration');
// Not the default rate, so the test shows the page shows what checkout-api was configured with.
const TAX_RATE_BASIS_POINTS = 1750;

function isLoopbackUrl(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === '[::1]';
}

/** checkout-api's rule (pricing.ts): tax on the subtotal, half a cent rounds up. */
function expectedTaxCents(subtotalCents: number, basisPoints: number): number {
  return Number((BigInt(subtotalCents) * BigInt(basisPoints) + 5000n) / 10000n);
}

const money = (cents: number, currency: string) =>
  new Intl.NumberFormat(LOCALE, { style: 'currency', currency }).format(cents / 100);

// A developer machine without Chromium skips the browser tests, loudly; CI (CI or TF_BUILD, which
// Azure Pipelines sets) must run them, so there a missing browser fails instead.
const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) {
  const why = `${CHROMIUM} is not installed (Debian/Ubuntu: sudo apt-get install -y chromium; \`npm test\` installs it when run as root)`;
  if (process.env.CI || process.env.TF_BUILD) throw new Error(`the browser tests must run in CI: ${why}`);
  console.warn(`\n*** SKIPPING the storefront browser tests: ${why} ***\n`);
}

(chromiumMissing ? describe.skip : describe)('storefront in a browser', () => {
  const services: RunningService[] = [];
  let storefront: RunningService;
  let products: Product[];
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const requestedUrls: string[] = [];
  const refusedUrls: string[] = [];

  beforeAll(async () => {
    const catalog = await startBuiltService({ app: 'catalog-api' });
    services.push(catalog);
    const checkout = await startBuiltService({
      app: 'checkout-api',
      env: { CATALOG_BASE_URL: catalog.url, TAX_RATE_BASIS_POINTS: String(TAX_RATE_BASIS_POINTS) },
    });
    services.push(checkout);
    storefront = await startBuiltService({
      app: 'storefront',
      env: { CATALOG_BASE_URL: catalog.url, CHECKOUT_BASE_URL: checkout.url, UPSTREAM_TIMEOUT_MS: '3000' },
    });
    services.push(storefront);

    const list = (await (await fetch(`${catalog.url}/products`)).json()) as ProductList;
    products = list.items;

    userDataDir = mkdtempSync(path.join(tmpdir(), 'storefront-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      locale: LOCALE,
    });
    // Whatever the page asks for beyond loopback is refused, and recorded so the test fails.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (isLoopbackUrl(url)) return route.continue();
      refusedUrls.push(url);
      return route.abort('blockedbyclient');
    });
    context.on('request', (request) => requestedUrls.push(request.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  });

  afterAll(async () => {
    try {
      await context?.close();
    } finally {
      await stopAll(services);
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
      // Kept with the other reports: when a step fails, the services' logs say why.
      mkdirSync(logDir, { recursive: true });
      for (const service of services) writeFileSync(path.join(logDir, `${service.app}.log`), service.output());
    }
  });

  it('lists products, prices a cart and shows the total', async () => {
    expect(products.length).toBeGreaterThanOrEqual(2);
    const [twice, once] = products;

    await page.goto(storefront.url);
    await page.getByRole('button', { name: `Add ${twice.name} to cart` }).click();
    await page.getByRole('button', { name: `Add ${twice.name} to cart` }).click();
    await page.getByRole('button', { name: `Add ${once.name} to cart` }).click();
    await expect(page.getByRole('spinbutton', { name: `Quantity of ${twice.name}` }).inputValue()).resolves.toBe('2');
    await expect(page.getByRole('spinbutton', { name: `Quantity of ${once.name}` }).inputValue()).resolves.toBe('1');

    await page.getByRole('button', { name: 'Get a quote' }).click();
    const total = page.locator('#quote-total');
    await total.waitFor({ state: 'visible' });

    const currency = twice.currency;
    const lineTotals = [twice.priceCents * 2, once.priceCents];
    const subtotal = lineTotals[0] + lineTotals[1];
    const tax = expectedTaxCents(subtotal, TAX_RATE_BASIS_POINTS);
    const rows = page.locator('#quote-lines tr');
    await expect(rows.nth(0).locator('td').allTextContents()).resolves.toEqual([
      twice.name,
      money(twice.priceCents, currency),
      '2',
      money(lineTotals[0], currency),
    ]);
    await expect(rows.nth(1).locator('td').allTextContents()).resolves.toEqual([
      once.name,
      money(once.priceCents, currency),
      '1',
      money(lineTotals[1], currency),
    ]);
    await expect(page.locator('#quote-subtotal').textContent()).resolves.toBe(money(subtotal, currency));
    await expect(page.locator('#quote-tax-label').textContent()).resolves.toBe(`Tax (${TAX_RATE_BASIS_POINTS / 100}%)`);
    await expect(page.locator('#quote-tax').textContent()).resolves.toBe(money(tax, currency));
    await expect(total.textContent()).resolves.toBe(money(subtotal + tax, currency));
    await expect(total.getAttribute('data-cents')).resolves.toBe(String(subtotal + tax));

    expect(consoleErrors).toEqual([]);
  });

  it('shows a rejected cart as a readable problem', async () => {
    const [first] = products;
    const tooMany = QUOTE_MAX_QUANTITY + 1;
    const quantity = page.getByRole('spinbutton', { name: `Quantity of ${first.name}` });
    await quantity.fill(String(tooMany));
    await quantity.press('Tab');
    await expect(page.locator('#quote').isHidden()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Get a quote' }).click();
    const problem = page.getByRole('alert');
    await problem.waitFor({ state: 'visible' });
    await expect(problem.locator('h2').textContent()).resolves.toBe('Bad Request (400)');
    await expect(problem.locator('li').allTextContents()).resolves.toEqual([`items[0].quantity: must be at most ${QUOTE_MAX_QUANTITY}`]);
    await expect(problem.locator('.request-id').textContent()).resolves.toMatch(/^Request id: \S+/);
    await expect(page.locator('#quote').isHidden()).resolves.toBe(true);

    // The browser reports the 400 answer itself; nothing else may have gone wrong.
    expect(consoleErrors.filter((text) => !/status of 400/.test(text))).toEqual([]);
  });

  it('sent nothing beyond 127.0.0.1', () => {
    expect(requestedUrls.length).toBeGreaterThan(0);
    expect(refusedUrls).toEqual([]);
    expect(requestedUrls.filter((url) => !isLoopbackUrl(url))).toEqual([]);
  });
});

import { type Product, productListSchema, quoteSchema } from '@shipyard/contracts';

export interface HttpSettings {
  /** Longest one request may take. */
  requestTimeoutMs: number;
}

/** One check: resolves with a short detail on success, throws with the reason on failure. */
export interface SmokeCheck {
  name: string;
  /** Names of checks whose result this one needs. */
  needs?: string[];
  run(context: SmokeContext): Promise<string>;
}

export interface SmokeContext {
  urls: Record<string, string>;
  /** Where each app's /healthz answers: its health port (a port-forward in the cluster), which no Service exposes. */
  healthUrls: Record<string, string>;
  entry: string;
  /** Shared between checks (the product the quote check buys). */
  found: { product?: Product };
}

async function request(url: string, settings: HttpSettings, init: RequestInit = {}): Promise<{ response: Response; body: string; ms: number }> {
  const started = Date.now();
  const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(settings.requestTimeoutMs) });
  const body = await response.text();
  return { response, body, ms: Date.now() - started };
}

function expectStatus(url: string, response: Response, body: string, status: number): void {
  if (response.status !== status) throw new Error(`${url} answered ${response.status}${body ? `: ${body.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`);
}

function json(url: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`${url} did not answer JSON: ${body.slice(0, 120)}`);
  }
}

const configBlock = /<script id="config" type="application\/json">([\s\S]*?)<\/script>/;

/**
 * The checks after a deploy: every app is ready (its readiness includes its own upstreams; asked
 * on its health port),
 * then one shopper's path through the entry app: the page with its config block, the product
 * list through the BFF, a quote for the first product computed by checkout.
 */
export function smokeChecks(apps: readonly string[], settings: HttpSettings): SmokeCheck[] {
  const readiness = apps.map(
    (app): SmokeCheck => ({
      name: `${app} ready`,
      async run({ healthUrls }) {
        const url = `${healthUrls[app]}/healthz/ready`;
        const { response, body, ms } = await request(url, settings);
        expectStatus(url, response, body, 200);
        return `200 in ${ms} ms`;
      },
    }),
  );
  return [
    ...readiness,
    {
      name: 'page loads with its config block',
      async run({ urls, entry }) {
        const url = `${urls[entry]}/`;
        const { response, body, ms } = await request(url, settings);
        expectStatus(url, response, body, 200);
        if (!response.headers.get('content-type')?.includes('text/html')) throw new Error(`${url} is ${response.headers.get('content-type') ?? 'untyped'}, not HTML`);
        const block = configBlock.exec(body);
        if (!block) throw new Error(`${url} has no <script id="config" type="application/json"> block`);
        const config = json(`${url} config block`, block[1]);
        if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${url}: the config block is not a JSON object`);
        return `200 in ${ms} ms, config keys: ${Object.keys(config).join(', ') || 'none'}`;
      },
    },
    {
      name: 'products through the storefront',
      async run(context) {
        const url = `${context.urls[context.entry]}/api/catalog/products`;
        const { response, body, ms } = await request(url, settings, { headers: { accept: 'application/json' } });
        expectStatus(url, response, body, 200);
        const list = productListSchema.safeParse(json(url, body));
        if (!list.success) throw new Error(`${url}: not a product list: ${list.error.issues[0]?.path.join('.')}: ${list.error.issues[0]?.message}`);
        if (list.data.items.length === 0) throw new Error(`${url}: the catalog is empty`);
        context.found.product = list.data.items[0];
        return `${list.data.items.length} of ${list.data.page.total} products in ${ms} ms`;
      },
    },
    {
      name: 'quote through the storefront',
      needs: ['products through the storefront'],
      async run(context) {
        const product = context.found.product;
        if (!product) throw new Error('no product to quote');
        const url = `${context.urls[context.entry]}/api/checkout/quotes`;
        const cart = { items: [{ productId: product.id, quantity: 2 }] };
        const { response, body, ms } = await request(url, settings, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(cart) });
        expectStatus(url, response, body, 200);
        const quote = quoteSchema.safeParse(json(url, body));
        if (!quote.success) throw new Error(`${url}: not a quote: ${quote.error.issues[0]?.path.join('.')}: ${quote.error.issues[0]?.message}`);
        const line = quote.data.lines[0];
        if (quote.data.lines.length !== 1 || line.productId !== product.id || line.quantity !== 2) throw new Error(`${url}: the quote does not price the cart (${JSON.stringify(quote.data.lines)})`);
        if (line.lineTotalCents !== line.unitPriceCents * 2 || quote.data.totalCents !== quote.data.subtotalCents + quote.data.taxCents) {
          throw new Error(`${url}: the quote does not add up (${JSON.stringify(quote.data)})`);
        }
        return `2 × ${product.id} = ${quote.data.totalCents} ${quote.data.currency} cents in ${ms} ms`;
      },
    },
  ];
}

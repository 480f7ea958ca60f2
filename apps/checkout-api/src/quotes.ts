import type { Logger } from 'pino';
import type { Product, Quote, QuoteRequest } from '@shipyard/contracts';
import { HttpProblem, problems } from '@shipyard/service-kit';
import { CatalogProtocolError, CatalogUnavailableError, type CatalogClient } from './catalog-client';
import { mapWithConcurrency } from './concurrency';
import { priceQuote, PricingError } from './pricing';

/** Catalog calls in flight per quote: enough for a full cart in a few rounds, without flooding the catalog. */
export const CATALOG_CONCURRENCY = 8;
/** What a client is told to wait after the catalog failed; a few backoff rounds of a recovering pod. */
export const RETRY_AFTER_SECONDS = 5;

export interface QuoteDeps {
  catalog: CatalogClient;
  taxRateBasisPoints: number;
  logger: Logger;
  requestId?: string;
}

async function fetchProducts(ids: readonly string[], deps: QuoteDeps): Promise<Map<string, Product | undefined>> {
  const distinct = [...new Set(ids)];
  try {
    const products = await mapWithConcurrency(distinct, CATALOG_CONCURRENCY, (id) =>
      deps.catalog.getProduct(id, { requestId: deps.requestId }),
    );
    return new Map(distinct.map((id, index) => [id, products[index]]));
  } catch (error) {
    if (error instanceof CatalogUnavailableError) {
      deps.logger.warn({ err: error }, 'catalog unavailable');
      throw problems.serviceUnavailable('The product catalog is unavailable; try again shortly.', RETRY_AFTER_SECONDS);
    }
    if (error instanceof CatalogProtocolError) {
      deps.logger.error({ err: error }, 'catalog answered unexpectedly');
      throw new HttpProblem(502, { detail: 'The product catalog gave an unexpected answer.' });
    }
    throw error;
  }
}

/** Prices a validated cart with the catalog's current prices; every failure is a problem for the caller. */
export async function quoteCart(cart: QuoteRequest, deps: QuoteDeps): Promise<Quote> {
  const products = await fetchProducts(
    cart.items.map((item) => item.productId),
    deps,
  );
  const unknown = cart.items.flatMap((item, index) =>
    products.get(item.productId) ? [] : [{ field: `items[${index}].productId`, message: `no product with id '${item.productId}'` }],
  );
  if (unknown.length > 0) throw problems.unprocessable('The cart names products that do not exist.', unknown);

  try {
    return priceQuote(
      cart.items.map((item) => ({ product: products.get(item.productId) as Product, quantity: item.quantity })),
      deps.taxRateBasisPoints,
    );
  } catch (error) {
    if (error instanceof PricingError) throw problems.unprocessable(error.message);
    throw error;
  }
}

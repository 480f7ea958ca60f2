import type { Express } from 'express';
import { checkoutRoutes, quoteRequestSchema } from '@shipyard/contracts';
import { createApp, HttpProblem, parseOrProblem, type ServiceContext } from '@shipyard/service-kit';
import { CatalogClient } from './catalog-client';
import type { CheckoutConfig } from './config';
import { recordQuoteCreated } from './quote-telemetry';
import { quoteCart } from './quotes';

export function createCatalogClient(ctx: ServiceContext<CheckoutConfig>): CatalogClient {
  const catalog = new CatalogClient({
    baseUrl: ctx.config.CATALOG_BASE_URL,
    timeoutMs: ctx.config.CATALOG_TIMEOUT_MS,
    retries: ctx.config.CATALOG_RETRIES,
    logger: ctx.logger,
  });
  ctx.lifecycle.onShutdown('catalog-client', () => catalog.close());
  return catalog;
}

export function buildCheckoutApp(ctx: ServiceContext<CheckoutConfig>, catalog: CatalogClient = createCatalogClient(ctx)): Express {
  // A checkout that cannot reach the catalog cannot quote: take it out of the load balancer.
  ctx.health.addReadinessCheck('catalog', () => catalog.checkReady(), { timeoutMs: 1500 });

  return createApp(ctx, (app) => {
    app.post(checkoutRoutes.createQuote.path, async (req, res) => {
      // null = no body at all, which the schema reports as a missing body.
      if (req.is('application/json') === false) {
        throw new HttpProblem(415, { detail: 'Send the cart as application/json.' });
      }
      const cart = parseOrProblem(quoteRequestSchema, req.body, 'body');
      const quote = await quoteCart(cart, {
        catalog,
        taxRateBasisPoints: ctx.config.TAX_RATE_BASIS_POINTS,
        logger: req.log,
        requestId: typeof req.id === 'string' ? req.id : undefined,
      });
      recordQuoteCreated(quote);
      res.json(quote);
    });
  });
}

import type { Express } from 'express';
import { catalogRoutes, productQuerySchema } from '@shipyard/contracts';
import { createApp, parseOrProblem, problems, type ServiceContext } from '@shipyard/service-kit';
import type { Catalog } from './catalog';

export function buildCatalogApp(ctx: ServiceContext, catalog: Catalog): Express {
  ctx.health.addReadinessCheck('catalog-loaded', () => {
    if (catalog.size === 0) throw new Error('catalog has no products');
  });

  return createApp(ctx, (app) => {
    app.get(catalogRoutes.listProducts.path, (req, res) => {
      const query = parseOrProblem(productQuerySchema, req.query, 'query');
      res.json(catalog.list(query));
    });

    app.get(catalogRoutes.getProduct.path, (req, res) => {
      const product = catalog.get(req.params.id);
      if (!product) throw problems.notFound(`No product with id '${req.params.id}'.`);
      res.json(product);
    });
  });
}

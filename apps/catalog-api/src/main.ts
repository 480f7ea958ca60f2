import { runService } from '@shipyard/service-kit';
import { loadCatalog } from './catalog';
import { buildCatalogApp } from './server';

void runService({
  name: 'catalog-api',
  setup: async (ctx) => {
    const catalog = await loadCatalog();
    ctx.logger.info({ products: catalog.size }, 'catalog loaded');
    return buildCatalogApp(ctx, catalog);
  },
});

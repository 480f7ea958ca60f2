import { runService } from '@shipyard/service-kit';
import { buildStorefrontApp, storefrontConfigShape } from './server';

void runService({
  name: 'storefront',
  config: storefrontConfigShape,
  setup: (ctx) => buildStorefrontApp(ctx),
});

import { runService } from '@shipyard/service-kit';
import { checkoutConfigShape } from './config';
import { buildCheckoutApp } from './server';

void runService({
  name: 'checkout-api',
  config: checkoutConfigShape,
  setup: (ctx) => buildCheckoutApp(ctx),
});

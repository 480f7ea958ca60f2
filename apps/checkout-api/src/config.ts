import { z } from 'zod';
import { MAX_TAX_RATE_BASIS_POINTS } from '@shipyard/contracts';
import { envInteger, type BaseConfig } from '@shipyard/service-kit';

/** checkout-api's own environment variables (README.md documents them). */
export const checkoutConfigShape = {
  CATALOG_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  CATALOG_TIMEOUT_MS: envInteger({ min: 1, max: 60_000 }).default(2000),
  CATALOG_RETRIES: envInteger({ min: 0, max: 10 }).default(2),
  TAX_RATE_BASIS_POINTS: envInteger({ min: 0, max: MAX_TAX_RATE_BASIS_POINTS }).default(2000),
};

export type CheckoutConfig = BaseConfig & z.infer<z.ZodObject<typeof checkoutConfigShape>>;

import type { StorefrontConfig } from '../server';

/** A complete storefront config for in-process tests; upstreams point at a closed loopback port unless overridden. */
export function storefrontTestConfig(overrides: Partial<StorefrontConfig> = {}): StorefrontConfig {
  return {
    HOST: '127.0.0.1',
    PORT: 3000,
    LOG_LEVEL: 'silent',
    SHUTDOWN_DEADLINE_MS: 1000,
    CATALOG_BASE_URL: 'http://127.0.0.1:9',
    CHECKOUT_BASE_URL: 'http://127.0.0.1:9',
    UPSTREAM_TIMEOUT_MS: 2000,
    ...overrides,
  };
}

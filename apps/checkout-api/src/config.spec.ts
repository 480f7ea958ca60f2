import { ConfigError, loadConfig } from '@shipyard/service-kit';
import { checkoutConfigShape } from './config';

function issuesOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(checkoutConfigShape, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => issue.variable);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('checkout-api configuration', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(checkoutConfigShape, { CATALOG_BASE_URL: 'http://127.0.0.1:3001' })).toMatchObject({
      CATALOG_BASE_URL: 'http://127.0.0.1:3001',
      CATALOG_TIMEOUT_MS: 2000,
      CATALOG_RETRIES: 2,
      TAX_RATE_BASIS_POINTS: 2000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(checkoutConfigShape, {
      CATALOG_BASE_URL: 'https://catalog.example.test',
      CATALOG_TIMEOUT_MS: '500',
      CATALOG_RETRIES: '0',
      TAX_RATE_BASIS_POINTS: '700',
    });
    expect(config).toMatchObject({ CATALOG_TIMEOUT_MS: 500, CATALOG_RETRIES: 0, TAX_RATE_BASIS_POINTS: 700 });
  });

  it('requires CATALOG_BASE_URL', () => {
    expect(issuesOf({})).toEqual(['CATALOG_BASE_URL']);
  });

  it('names every invalid variable', () => {
    expect(
      issuesOf({
        CATALOG_BASE_URL: 'ftp://catalog',
        CATALOG_TIMEOUT_MS: '0',
        CATALOG_RETRIES: 'two',
        TAX_RATE_BASIS_POINTS: '10001',
      }).sort(),
    ).toEqual(['CATALOG_BASE_URL', 'CATALOG_RETRIES', 'CATALOG_TIMEOUT_MS', 'TAX_RATE_BASIS_POINTS']);
  });
});

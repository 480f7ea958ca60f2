import { existsSync } from 'node:fs';
import request from 'supertest';
import { Agent } from 'undici';
import { createServiceContext } from '@shipyard/service-kit';
import { browserSdkFile, browserSdkPath, browserTelemetry } from './browser-telemetry';
import { buildStorefrontApp, type StorefrontConfig } from './server';
import { storefrontTestConfig } from './testing/storefront-config';

const connectionString = 'InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:4318/';

describe('browserTelemetry', () => {
  it('is off without a connection string', () => {
    expect(browserTelemetry(undefined, 1000)).toBeUndefined();
    expect(browserTelemetry('  ', 1000)).toBeUndefined();
  });

  it('puts the connection string, role and same-origin SDK path in the page config and allows posting to the ingestion origin', () => {
    expect(browserTelemetry(connectionString, 1000)).toEqual({
      pageConfig: { telemetry: { connectionString, roleName: 'storefront-browser', sdkUrl: browserSdkPath, batchIntervalMs: 1000 } },
      connectOrigins: ['https://127.0.0.1:4318'],
    });
  });

  it('finds the SDK bundle in node_modules', () => {
    expect(existsSync(browserSdkFile())).toBe(true);
  });
});

describe('storefront page with browser telemetry', () => {
  const agent = new Agent();
  afterAll(() => agent.close());
  const app = (extra: Partial<StorefrontConfig>) =>
    buildStorefrontApp(
      createServiceContext('storefront', storefrontTestConfig({ UPSTREAM_TIMEOUT_MS: 1000, ...extra })),
      { dispatcher: agent },
    );

  it('renders the connection string into the config block, serves the SDK itself and lets the page post to ingestion', async () => {
    const withTelemetry = app({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString, BROWSER_TELEMETRY_BATCH_INTERVAL_MS: 500 });
    const page = await request(withTelemetry).get('/');
    const block = /<script id="config" type="application\/json">(.*?)<\/script>/s.exec(page.text)?.[1];
    expect(JSON.parse(block ?? '{}')).toEqual({
      telemetry: { connectionString, roleName: 'storefront-browser', sdkUrl: browserSdkPath, batchIntervalMs: 500 },
    });
    expect(page.headers['content-security-policy']).toContain("connect-src 'self' https://127.0.0.1:4318");
    const sdk = await request(withTelemetry).get(browserSdkPath);
    expect(sdk.status).toBe(200);
    expect(sdk.headers['content-type']).toContain('javascript');
  });

  it('without a connection string the page carries no telemetry config and the SDK is not served', async () => {
    const plain = app({});
    const page = await request(plain).get('/');
    expect(page.text).toContain('<script id="config" type="application/json">{}</script>');
    expect(page.headers['content-security-policy']).not.toContain('4318');
    expect((await request(plain).get(browserSdkPath)).status).toBe(404);
  });
});

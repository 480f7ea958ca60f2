import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PageConfig } from './index-page';

/**
 * Browser usage telemetry: when the storefront has a connection string, the page loads the
 * Application Insights JavaScript SDK from the storefront's own origin (no CDN) and reports page
 * views, users/sessions and its /api calls (with W3C traceparent, so the browser, storefront,
 * checkout and catalog share one operation id). The connection string reaches the page only
 * through the server-rendered config block.
 */

/** Where the page loads the SDK from (served by the storefront itself). */
export const browserSdkPath = '/vendor/applicationinsights-web.min.js';

/** The cloud role of the page's telemetry: its own node on the Application Map, next to `storefront`. */
export const browserRoleName = 'storefront-browser';

export interface BrowserTelemetry {
  /** The `telemetry` entry of the page's config block. */
  pageConfig: PageConfig;
  /** Origins the page must be allowed to POST telemetry to (CSP connect-src). */
  connectOrigins: string[];
}

/** Undefined when there is no connection string: the page then loads no SDK and sends nothing. */
export function browserTelemetry(connectionString: string | undefined, batchIntervalMs: number): BrowserTelemetry | undefined {
  if (!connectionString?.trim()) return undefined;
  const ingestion = /(?:^|;)\s*IngestionEndpoint\s*=\s*([^;]+)/i.exec(connectionString)?.[1]?.trim();
  return {
    pageConfig: {
      telemetry: { connectionString: connectionString.trim(), roleName: browserRoleName, sdkUrl: browserSdkPath, batchIntervalMs },
    },
    // Without an IngestionEndpoint the SDK posts to its global default.
    connectOrigins: [new URL(ingestion ?? 'https://dc.services.visualstudio.com').origin],
  };
}

/**
 * The SDK's prebuilt browser bundle. A build copies it next to the compiled server
 * (dist/vendor, scripts/copy-assets.cjs) so the image needs no SDK package; running from the
 * TypeScript sources (tests, editors) it comes from the installed devDependency.
 */
export function browserSdkFile(): string {
  const built = path.join(__dirname, 'vendor', sdkBundleName);
  if (existsSync(built)) return built;
  const manifest = require.resolve('@microsoft/applicationinsights-web/package.json');
  return path.join(path.dirname(manifest), 'dist', 'es5', sdkBundleName);
}

const sdkBundleName = 'applicationinsights-web.min.js';

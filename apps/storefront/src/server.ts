import type { Express } from 'express';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { catalogRoutes, checkoutRoutes } from '@shipyard/contracts';
import { createApp, envInteger, staticFiles, type AppOptions, type BaseConfig, type ServiceContext } from '@shipyard/service-kit';
import { checkUpstreamReady, createBffProxy, createUpstreamAgent, type Upstream } from './bff-proxy';
import { browserSdkFile, browserSdkPath, browserTelemetry } from './browser-telemetry';
import { publicDir, renderIndex, type PageConfig } from './index-page';

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://catalog-api:8080' });

/** Storefront variables on top of the base ones (HOST, PORT, LOG_LEVEL, SHUTDOWN_DEADLINE_MS). */
export const storefrontConfigShape = {
  CATALOG_BASE_URL: httpUrl,
  CHECKOUT_BASE_URL: httpUrl,
  UPSTREAM_TIMEOUT_MS: envInteger({ min: 1, max: 600_000 }).default(5000),
  /** Also read by @shipyard/telemetry's preload; here it switches on browser telemetry in the page. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().optional(),
  BROWSER_TELEMETRY_BATCH_INTERVAL_MS: envInteger({ min: 100, max: 600_000 }).default(15_000),
};

export interface StorefrontConfig extends BaseConfig {
  CATALOG_BASE_URL: string;
  CHECKOUT_BASE_URL: string;
  UPSTREAM_TIMEOUT_MS: number;
  APPLICATIONINSIGHTS_CONNECTION_STRING?: string;
  BROWSER_TELEMETRY_BATCH_INTERVAL_MS?: number;
}

export interface StorefrontOptions {
  /** Rendered into index.html's config block for the page's script. */
  pageConfig?: PageConfig;
  /** Connection pool for the upstreams; by default one owned (and closed on shutdown) by the app. */
  dispatcher?: Dispatcher;
}

/** Proxies whose X-Forwarded-* headers Express believes (proxy-addr's private ranges). */
export const TRUSTED_PROXIES = 'uniquelocal';

/** Readiness polls both upstreams; a probe must answer well within the kubelet's timeout. */
const READINESS_TIMEOUT_MS = 1000;

export function buildStorefrontApp(ctx: ServiceContext<StorefrontConfig>, options: StorefrontOptions = {}): Express {
  const { config } = ctx;
  const timeoutMs = config.UPSTREAM_TIMEOUT_MS;
  const dispatcher = options.dispatcher ?? ownAgent(ctx, timeoutMs);
  const catalog: Upstream = { name: 'catalog', baseUrl: new URL(config.CATALOG_BASE_URL) };
  const checkout: Upstream = { name: 'checkout', baseUrl: new URL(config.CHECKOUT_BASE_URL) };

  const readinessTimeoutMs = Math.min(timeoutMs, READINESS_TIMEOUT_MS);
  for (const upstream of [catalog, checkout]) {
    ctx.health.addReadinessCheck(upstream.name, () => checkUpstreamReady(upstream, dispatcher, readinessTimeoutMs), {
      timeoutMs: readinessTimeoutMs + 100,
    });
  }

  const telemetry = browserTelemetry(config.APPLICATIONINSIGHTS_CONNECTION_STRING, config.BROWSER_TELEMETRY_BATCH_INTERVAL_MS ?? 15_000);
  const indexHtml = renderIndex({ ...telemetry?.pageConfig, ...options.pageConfig });
  const appOptions: AppOptions = {
    // The BFF streams request bodies to the upstreams as sent; the storefront reads none itself.
    parseJson: false,
    helmet: {
      contentSecurityPolicy: {
        directives: {
          // The page uses its own stylesheet only: no inline styles, no third-party CSS.
          styleSrc: ["'self'"],
          ...(telemetry && { connectSrc: ["'self'", ...telemetry.connectOrigins] }),
        },
      },
    },
  };

  return createApp(ctx, (app) => {
    // On AKS the application routing ingress (nginx) connects from the private pod network and
    // sets X-Forwarded-Proto/-Host; the NetworkPolicy admits only it. Any other peer (loopback
    // for `npm start`, a public address) cannot choose the protocol or host the app sees.
    app.set('trust proxy', TRUSTED_PROXIES);
    if (telemetry) {
      const sdkFile = browserSdkFile();
      app.get(browserSdkPath, (_req, res) => res.sendFile(sdkFile, { maxAge: '1h' }));
    }
    app.get(['/', '/index.html'], (_req, res) => {
      // The config block can change with every deployment: revalidate instead of caching.
      res.set('Cache-Control', 'no-cache').type('html').send(indexHtml);
    });
    app.use('/api/catalog', createBffProxy(catalog, { dispatcher, timeoutMs, routes: Object.values(catalogRoutes) }));
    app.use('/api/checkout', createBffProxy(checkout, { dispatcher, timeoutMs, routes: Object.values(checkoutRoutes) }));
    app.use(staticFiles(publicDir, { index: false }));
  }, appOptions);
}

function ownAgent(ctx: ServiceContext<StorefrontConfig>, timeoutMs: number): Dispatcher {
  const agent = createUpstreamAgent(timeoutMs);
  ctx.lifecycle.onShutdown('upstream connections', () => agent.close());
  return agent;
}

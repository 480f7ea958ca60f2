// @ts-check
// Browser usage telemetry (Application Insights JavaScript SDK), started only when the server put
// a `telemetry` entry in the page's config block. The SDK comes from this origin, never a CDN.

/**
 * @typedef {{ connectionString: string, roleName: string, sdkUrl: string, batchIntervalMs?: number }} TelemetryConfig
 */

/** @param {string} src */
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.onload = () => resolve(undefined);
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

/**
 * Page views, users and sessions (cookies ai_user/ai_session) and the page's fetch calls as
 * dependencies carrying a W3C traceparent, so one click shares an operation id with the
 * storefront, checkout and catalog requests it causes. Telemetry never breaks the page.
 * @param {unknown} config
 */
export async function startTelemetry(config) {
  if (!config || typeof config !== 'object') return undefined;
  const settings = /** @type {TelemetryConfig} */ (config);
  try {
    await loadScript(settings.sdkUrl);
    const sdk = /** @type {any} */ (window).Microsoft?.ApplicationInsights;
    if (!sdk) return undefined;
    const appInsights = new sdk.ApplicationInsights({
      config: {
        connectionString: settings.connectionString,
        distributedTracingMode: sdk.DistributedTracingModes.W3C,
        disableFetchTracking: false,
        disableAjaxTracking: false,
        // Only our own origin's /api calls are correlated; nothing else gets our headers.
        enableCorsCorrelation: false,
        maxBatchInterval: settings.batchIntervalMs ?? 15000,
        // The SDK otherwise fetches its configuration from a CDN; this page talks to its own
        // origin and the ingestion endpoint only.
        extensionConfig: { AppInsightsCfgSyncPlugin: { blkCdnCfg: true, cfgUrl: '' } },
      },
    });
    appInsights.loadAppInsights();
    appInsights.addTelemetryInitializer((/** @type {any} */ envelope) => {
      envelope.tags = envelope.tags ?? {};
      envelope.tags['ai.cloud.role'] = settings.roleName;
    });
    appInsights.trackPageView({ name: document.title });
    return appInsights;
  } catch (error) {
    console.warn('telemetry disabled:', error);
    return undefined;
  }
}

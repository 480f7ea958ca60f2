import type { IncomingMessage } from 'node:http';
import { inspect } from 'node:util';
import type { AzureMonitorOpenTelemetryOptions } from 'applicationinsights';
import type { TokenCredential } from '@azure/identity';
import { exporterCredential } from './credential';
import { trackException } from './custom';
import { disableAzureVmDetector, sdkStatsEnvironment, stopOneSettingsPolling } from './outbound-extras';
import { createPreloadLog, type PreloadLog } from './preload-log';
import { bounded, currentRuntime, disabledRuntime, setRuntime, type TelemetryRuntime } from './runtime';
import { serviceNameFromEntry, resourceEnvironment } from './service-identity';
import { readTelemetrySettings, TelemetrySettingsError, type TelemetryFeature, type TelemetrySettings } from './settings';

export interface StartOptions {
  /** Defaults to process.env; the preload also writes the OTEL_* and SDK switches into it. */
  env?: NodeJS.ProcessEnv;
  /** The script node was asked to run (process.argv[1]); names the service. */
  entryScript?: string;
  log?: PreloadLog;
}

/**
 * Starts Application Insights for this process, once. Called by the preload before the service's
 * modules load. Never throws: bad settings or an SDK failure leave telemetry off and say why.
 */
export function startTelemetry(options: StartOptions = {}): TelemetryRuntime {
  const existing = currentRuntime();
  if (existing) return existing;
  const env = options.env ?? process.env;
  const fallbackName = serviceNameFromEntry(options.entryScript) ?? 'unknown_service';
  const bootLog = options.log ?? createPreloadLog(env['OTEL_SERVICE_NAME'] ?? fallbackName, env);
  let settings: TelemetrySettings;
  try {
    settings = readTelemetrySettings(env, fallbackName);
  } catch (error) {
    const issues = error instanceof TelemetrySettingsError ? error.issues : [(error as Error).message];
    bootLog('error', 'telemetry off: invalid settings', { issues });
    return remember(disabledRuntime(fallbackName));
  }
  const log = options.log ?? createPreloadLog(settings.serviceName, env);
  if (!settings.connectionString) {
    log('info', 'telemetry off: APPLICATIONINSIGHTS_CONNECTION_STRING is not set');
    return remember(disabledRuntime(settings.serviceName));
  }
  try {
    return remember(startAzureMonitor(settings, env, log));
  } catch (error) {
    log('error', 'telemetry off: the Application Insights SDK failed to start', { err: (error as Error).message });
    return remember(disabledRuntime(settings.serviceName));
  }
}

function remember(runtime: TelemetryRuntime): TelemetryRuntime {
  setRuntime(runtime);
  return runtime;
}

function startAzureMonitor(settings: TelemetrySettings, env: NodeJS.ProcessEnv, log: PreloadLog): TelemetryRuntime {
  Object.assign(env, sdkStatsEnvironment(settings.sdkStats), resourceEnvironment(env, settings));
  const warnings: string[] = [];
  if (!settings.azureVmDetector) pushIf(warnings, disableAzureVmDetector());

  // Loaded only here: with telemetry off the SDK never loads and costs nothing.
  const sdk = require('applicationinsights') as typeof import('applicationinsights');
  sdk.useAzureMonitor(azureMonitorOptions(settings, exporterCredential(env, log)));
  registerHttpInstrumentations(settings);
  if (!settings.sdkStats) pushIf(warnings, stopOneSettingsPolling());
  for (const warning of warnings) log('warn', `telemetry: ${warning}`);

  const flush = () => bounded(sdk.flushAzureMonitor(), settings.flushTimeoutMs).then(() => undefined);
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= bounded(
      sdk.flushAzureMonitor().then(() => sdk.shutdownAzureMonitor()),
      settings.flushTimeoutMs,
    ).then(() => undefined));
  installCrashReporter(flush, log);

  log('info', 'telemetry on', {
    role: settings.serviceName,
    instance: settings.serviceInstance,
    ingestion: ingestionOrigin(settings.connectionString),
    tracesPerSecond: settings.tracesPerSecond,
    samplingRatio: settings.samplingRatio,
    liveMetrics: settings.liveMetrics,
    sdkStats: settings.sdkStats,
  });
  return { enabled: true, serviceName: settings.serviceName, flush, shutdown };
}

export function azureMonitorOptions(settings: TelemetrySettings, credential?: TokenCredential): AzureMonitorOpenTelemetryOptions {
  const namespace = { 'service.namespace': settings.serviceNamespace };
  const exportTimeoutMs = settings.exportTimeoutMs;
  const on = (feature: TelemetryFeature) => settings.features.has(feature);
  const stamping = on('spanProcessors');
  return {
    azureMonitorExporterOptions: {
      connectionString: settings.connectionString,
      // With a credential the exporter sends a bearer token (Entra ID); without, the instrumentation key.
      credential,
      disableOfflineStorage: settings.offlineStorageDir === undefined,
      storageDirectory: settings.offlineStorageDir,
      // The exporter sets no request timeout: a hanging ingestion endpoint would otherwise keep
      // one socket open per batch for ever.
      additionalPolicies: [
        {
          position: 'perCall',
          policy: {
            name: 'shipyardExportTimeout',
            sendRequest: (request, next) => {
              request.timeout = exportTimeoutMs;
              return next(request);
            },
          },
        },
      ],
    },
    samplingRatio: settings.samplingRatio,
    tracesPerSecond: settings.tracesPerSecond,
    enableLiveMetrics: settings.liveMetrics,
    enableStandardMetrics: on('standardMetrics'),
    enablePerformanceCounters: on('performanceCounters'),
    // Our crash reporter keeps Node's semantics (see installCrashReporter); the SDK's handler
    // would keep the process alive after an unhandled rejection.
    enableAutoCollectExceptions: false,
    instrumentationOptions: {
      // The same http instrumentation is registered by registerHttpInstrumentations instead,
      // where its duration histograms can be left out.
      http: { enabled: false },
      bunyan: { enabled: on('logs') },
      winston: { enabled: on('logs') },
      azureSdk: { enabled: on('libraries') },
      mongoDb: { enabled: on('libraries') },
      mySql: { enabled: on('libraries') },
      postgreSql: { enabled: on('libraries') },
      redis: { enabled: on('libraries') },
      redis4: { enabled: on('libraries') },
    },
    // The exporter builds the role name as "<namespace>.<name>" when service.namespace is a
    // resource attribute; the namespace travels as a custom dimension instead, so the role is
    // exactly the service's name.
    spanProcessors: stamping ? [
      {
        onStart: (span: { setAttributes(a: Record<string, string>): void }) => span.setAttributes(namespace),
        onEnd: () => undefined,
        forceFlush: async () => undefined,
        shutdown: async () => undefined,
      } as never,
    ] : [],
    logRecordProcessors: stamping ? [
      {
        onEmit: (record: { setAttributes(a: Record<string, string>): void }) => record.setAttributes(namespace),
        forceFlush: async () => undefined,
        shutdown: async () => undefined,
      } as never,
    ] : [],
  };
}

/** The exporter's own requests to ingestion are not dependencies of the service (the distro skips them the same way). */
const exporterUserAgent = 'azsdk-js-monitor-opentelemetry-exporter';

/**
 * Incoming requests (ServerRequestInstrumentation: the sampler decides before any attribute is
 * read, see server-requests.ts), outgoing http/https (the distro's own HttpInstrumentation,
 * registered here rather than by the distro so that its duration histograms — recorded for every
 * request whatever the sampling, and repeating standard metrics — can be left out), and
 * undici/fetch, which the distro does not instrument although the services call each other with
 * it. `httpMetrics` brings the histograms back, and with them HttpInstrumentation for incoming
 * requests too (the only one that records a server duration histogram).
 * A proxy that copies the caller's traceparent onto its upstream request would send two
 * traceparent headers once the undici instrumentation adds the current one, which breaks the
 * trace downstream: copied propagation headers are dropped first, the instrumentation sets them.
 */
function registerHttpInstrumentations(settings: TelemetrySettings): void {
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const ignored = (path: string) => settings.ignoredPathPrefixes.some((prefix) => path.startsWith(prefix));
  const instrumentations = [];
  if (settings.features.has('http')) {
    const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
    const otelIncoming = settings.features.has('httpMetrics');
    instrumentations.push(
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: !otelIncoming,
        ignoreIncomingRequestHook: (request: IncomingMessage) => ignored(request.url ?? ''),
        ignoreOutgoingRequestHook: (request) => String(headerValue(request.headers, 'user-agent') ?? '').includes(exporterUserAgent),
      }),
    );
    if (!otelIncoming) {
      const { ServerRequestInstrumentation } = require('./server-requests') as typeof import('./server-requests');
      instrumentations.push(new ServerRequestInstrumentation({ ignore: (request: IncomingMessage) => ignored(request.url ?? '') }));
    }
  }
  if (settings.features.has('undici')) {
    const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    const propagationFields = new Set(api.propagation.fields().map((f) => f.toLowerCase()));
    instrumentations.push(
      new UndiciInstrumentation({
        ignoreRequestHook: (request) => ignored(request.path),
        requestHook: (_span, request) => dropPropagationHeaders(request.headers, propagationFields),
      }),
    );
  }
  if (instrumentations.length === 0) return;
  const noMetrics = { getMeter: () => api.createNoopMeter() };
  registerInstrumentations({ instrumentations, meterProvider: settings.features.has('httpMetrics') ? api.metrics.getMeterProvider() : noMetrics });
}

function headerValue(headers: unknown, name: string): unknown {
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

export function dropPropagationHeaders(headers: unknown, fields: Set<string>): void {
  if (!Array.isArray(headers)) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (fields.has(String(headers[i]).toLowerCase())) headers.splice(i, 2);
  }
}

/**
 * For a process without its own crash handler: an uncaught exception (or an unhandled rejection,
 * which Node then raises as one) is recorded as ExceptionData, flushed within the flush timeout,
 * printed, and the process exits 1 as it would without telemetry. A service that handles crashes
 * itself (service-kit's runService does, and records and flushes there) is left to do so.
 */
function installCrashReporter(flush: () => Promise<void>, log: PreloadLog): void {
  const reporter = (error: unknown, origin: string) => {
    if (process.listeners('uncaughtException').some((listener) => listener !== reporter)) return;
    try {
      trackException(error, { 'exception.origin': origin });
    } catch {
      // Recording is best effort; the exit below is not.
    }
    log('fatal', `${origin}: ${error instanceof Error ? error.message : String(error)}`);
    process.stderr.write(`${inspect(error)}\n`);
    void flush().finally(() => process.exit(1));
  };
  process.on('uncaughtException', reporter);
}

function ingestionOrigin(connectionString: string | undefined): string {
  const match = /IngestionEndpoint\s*=\s*([^;]+)/i.exec(connectionString ?? '');
  return match ? match[1].trim() : 'https://dc.services.visualstudio.com (default)';
}

function pushIf(list: string[], value: string | undefined): void {
  if (value) list.push(value);
}

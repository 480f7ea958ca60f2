import { hostname } from 'node:os';
import { namespaceFromResourceAttributes } from './service-identity';

/** Everything the preload needs to decide, read from the environment once. */
export interface TelemetrySettings {
  /** Undefined → telemetry off: no exporter, no SDK loaded, no traffic. */
  connectionString: string | undefined;
  /** Application Map node name (ai.cloud.role). */
  serviceName: string;
  /** ai.cloud.role_instance: the pod name in Kubernetes. */
  serviceInstance: string;
  /** Image revision the process runs (ai.application.ver). */
  serviceVersion: string | undefined;
  /** Added to every span and log as a custom dimension (see README: not part of the role name). */
  serviceNamespace: string;
  /** Fixed-percentage sampling, 0..1; used when tracesPerSecond is 0. */
  samplingRatio: number;
  /** Rate-limited sampling (the distro's default is 5); 0 switches to samplingRatio. */
  tracesPerSecond: number;
  liveMetrics: boolean;
  /** Statsbeat, customer SDK stats and OneSettings: the SDK's reports about itself and its remote configuration. */
  sdkStats: boolean;
  /** The Azure VM resource detector, which probes IMDS at 169.254.169.254 when no other Azure platform is detected. */
  azureVmDetector: boolean;
  /** Folder for the exporter's retry storage; undefined → failed batches are dropped, nothing written to disk. */
  offlineStorageDir: string | undefined;
  /** Bound for one export request (ingestion slow or hanging). */
  exportTimeoutMs: number;
  /** Bound for the final flush on shutdown and on a crash. */
  flushTimeoutMs: number;
  /** Incoming paths not recorded as requests (probes would drown real traffic). */
  ignoredPathPrefixes: string[];
  /** Which collectors run (TELEMETRY_FEATURES); see telemetryFeatures for what each one buys. */
  features: ReadonlySet<TelemetryFeature>;
}

/**
 * The parts of the pipeline that cost something per request or per process, each switchable so
 * the benchmark can price them one at a time (libs/telemetry/README.md has the table):
 * - http: incoming requests and outgoing http/https calls (requests, dependencies, correlation);
 * - httpMetrics: the http and undici instrumentations' own duration histograms
 *   (http.server/client.request.duration), recorded for every request whatever the sampling,
 *   and sent as custom metrics (under rate-limited sampling the only pre-aggregated figures that
 *   count every request: see the README, "Standard metrics under sampling"); incoming requests
 *   are then traced by OpenTelemetry's HttpInstrumentation (the one that records the server
 *   histogram) instead of server-requests.ts;
 * - standardMetrics: the pre-aggregated request/dependency/exception rates behind the portal's
 *   overview charts and metric alerts (counting only the spans the sampler keeps);
 * - performanceCounters: process CPU, memory and request-rate counters (Metrics → Performance counters);
 * - logs: the distro's bunyan/winston log collection (the services log with pino, to stdout);
 * - undici: outgoing undici/fetch calls (the services call each other with undici);
 * - libraries: the distro's Azure SDK, MongoDB, MySQL, PostgreSQL and Redis instrumentations;
 * - spanProcessors: service.namespace stamped on every span and log record.
 */
export const telemetryFeatures = ['http', 'httpMetrics', 'standardMetrics', 'performanceCounters', 'logs', 'undici', 'libraries', 'spanProcessors'] as const;
export type TelemetryFeature = (typeof telemetryFeatures)[number];
export const defaultTelemetryFeatures: readonly TelemetryFeature[] = ['http', 'standardMetrics', 'performanceCounters', 'undici', 'libraries', 'spanProcessors'];

export class TelemetrySettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid telemetry settings: ${issues.join('; ')}`);
    this.name = 'TelemetrySettingsError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads the telemetry switches. `defaultServiceName` is what the preload derived from the
 * entry script's package (OTEL_SERVICE_NAME overrides it). Every bad value is named in one error.
 */
export function readTelemetrySettings(env: Env, defaultServiceName: string): TelemetrySettings {
  const issues: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const value = text(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    issues.push(`${name}: expected true or false, got '${env[name]}'`);
    return fallback;
  };
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      issues.push(`${name}: expected a number ${min}-${max}, got '${env[name]}'`);
      return fallback;
    }
    return parsed;
  };

  const connectionString = text('APPLICATIONINSIGHTS_CONNECTION_STRING');
  if (connectionString && !/(^|;)\s*InstrumentationKey\s*=\s*[0-9a-f-]{36}\s*(;|$)/i.test(connectionString)) {
    issues.push('APPLICATIONINSIGHTS_CONNECTION_STRING: expected "InstrumentationKey=<guid>;IngestionEndpoint=https://…"');
  }
  const settings: TelemetrySettings = {
    connectionString,
    serviceName: text('OTEL_SERVICE_NAME') ?? defaultServiceName,
    serviceInstance: text('HOSTNAME') ?? hostname(),
    serviceVersion: text('SERVICE_VERSION'),
    serviceNamespace: text('SERVICE_NAMESPACE') ?? namespaceFromResourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES']) ?? 'shipyard',
    samplingRatio: number('TELEMETRY_SAMPLING_RATIO', 1, 0, 1),
    tracesPerSecond: number('TELEMETRY_TRACES_PER_SECOND', text('TELEMETRY_SAMPLING_RATIO') ? 0 : 5, 0, 1_000_000),
    liveMetrics: bool('TELEMETRY_LIVE_METRICS', false),
    sdkStats: bool('TELEMETRY_SDK_STATS', false),
    azureVmDetector: bool('TELEMETRY_AZURE_VM_DETECTOR', false),
    offlineStorageDir: text('TELEMETRY_OFFLINE_STORAGE_DIR'),
    exportTimeoutMs: number('TELEMETRY_EXPORT_TIMEOUT_MS', 10_000, 100, 120_000),
    flushTimeoutMs: number('TELEMETRY_FLUSH_TIMEOUT_MS', 3_000, 0, 60_000),
    ignoredPathPrefixes: (text('TELEMETRY_IGNORED_PATHS') ?? '/healthz/')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    features: new Set(defaultTelemetryFeatures),
  };
  settings.features = features(text('TELEMETRY_FEATURES'), issues);
  if (issues.length > 0) throw new TelemetrySettingsError(issues);
  return settings;
}

/** `none`, or a comma-separated list of telemetryFeatures; unset → the defaults. */
function features(raw: string | undefined, issues: string[]): ReadonlySet<TelemetryFeature> {
  if (raw === undefined) return new Set(defaultTelemetryFeatures);
  if (raw.toLowerCase() === 'none') return new Set();
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(telemetryFeatures as readonly string[]).includes(name));
  if (unknown.length > 0) issues.push(`TELEMETRY_FEATURES: unknown ${unknown.map((n) => `'${n}'`).join(', ')}; expected 'none' or a comma-separated list of ${telemetryFeatures.join(', ')}`);
  return new Set(names.filter((name): name is TelemetryFeature => (telemetryFeatures as readonly string[]).includes(name)));
}

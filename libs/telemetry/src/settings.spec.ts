import { defaultTelemetryFeatures, readTelemetrySettings, TelemetrySettingsError } from './settings';

const cs = 'InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:4318/';

describe('readTelemetrySettings', () => {
  it('is off without a connection string and keeps every outbound extra off by default', () => {
    const s = readTelemetrySettings({ HOSTNAME: 'catalog-api-7d9f-abcde' }, 'catalog-api');
    expect(s).toMatchObject({
      connectionString: undefined,
      serviceName: 'catalog-api',
      serviceInstance: 'catalog-api-7d9f-abcde',
      serviceNamespace: 'shipyard',
      tracesPerSecond: 5,
      samplingRatio: 1,
      liveMetrics: false,
      sdkStats: false,
      azureVmDetector: false,
      offlineStorageDir: undefined,
      ignoredPathPrefixes: ['/healthz/'],
    });
  });

  it('reads every switch', () => {
    const s = readTelemetrySettings(
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: cs,
        OTEL_SERVICE_NAME: 'other',
        SERVICE_VERSION: '1a2b3c4',
        TELEMETRY_SAMPLING_RATIO: '0.25',
        TELEMETRY_LIVE_METRICS: 'true',
        TELEMETRY_SDK_STATS: 'TRUE',
        TELEMETRY_AZURE_VM_DETECTOR: 'true',
        TELEMETRY_OFFLINE_STORAGE_DIR: '/tmp/ai',
        TELEMETRY_FLUSH_TIMEOUT_MS: '500',
        TELEMETRY_IGNORED_PATHS: '/healthz/, /metrics',
      },
      'catalog-api',
    );
    expect(s).toMatchObject({
      connectionString: cs,
      serviceName: 'other',
      serviceVersion: '1a2b3c4',
      samplingRatio: 0.25,
      // A ratio without an explicit rate limit means ratio sampling.
      tracesPerSecond: 0,
      liveMetrics: true,
      sdkStats: true,
      azureVmDetector: true,
      offlineStorageDir: '/tmp/ai',
      flushTimeoutMs: 500,
      ignoredPathPrefixes: ['/healthz/', '/metrics'],
    });
  });

  it('names every bad value at once', () => {
    const read = () =>
      readTelemetrySettings(
        { APPLICATIONINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=https://x/', TELEMETRY_SAMPLING_RATIO: '2', TELEMETRY_LIVE_METRICS: 'yes' },
        'x',
      );
    expect(read).toThrow(TelemetrySettingsError);
    try {
      read();
    } catch (error) {
      expect((error as TelemetrySettingsError).issues).toEqual([
        expect.stringContaining('APPLICATIONINSIGHTS_CONNECTION_STRING'),
        "TELEMETRY_SAMPLING_RATIO: expected a number 0-1, got '2'",
        "TELEMETRY_LIVE_METRICS: expected true or false, got 'yes'",
      ]);
    }
  });
});

describe('TELEMETRY_FEATURES', () => {
  const features = (value?: string) => [...readTelemetrySettings({ TELEMETRY_FEATURES: value }, 'catalog-api').features].sort();

  it('defaults to the features the review step needs, and takes none or a list', () => {
    expect(features()).toEqual([...defaultTelemetryFeatures].sort());
    expect(features('none')).toEqual([]);
    expect(features('http, undici')).toEqual(['http', 'undici']);
  });

  it('names unknown features and the allowed ones', () => {
    expect(() => features('http,tracing')).toThrow(/TELEMETRY_FEATURES: unknown 'tracing'; expected 'none' or a comma-separated list of http, httpMetrics, standardMetrics/);
  });
});

describe('service namespace', () => {
  it('comes from SERVICE_NAMESPACE, else from an operator-set service.namespace resource attribute, else shipyard', () => {
    const ns = (env: Record<string, string>) => readTelemetrySettings(env, 'catalog-api').serviceNamespace;
    expect(ns({ SERVICE_NAMESPACE: 'team-a', OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=other' })).toBe('team-a');
    expect(ns({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=1,service.namespace=other' })).toBe('other');
    expect(ns({})).toBe('shipyard');
  });
});

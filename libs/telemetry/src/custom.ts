import { metrics, type Attributes, type Histogram } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

/**
 * Custom events and metrics. Both go through the OpenTelemetry API, which does nothing until the
 * preload has started the SDK, so services call these unconditionally.
 */
export type EventProperties = Record<string, string | number | boolean>;

const scope = '@shipyard/telemetry';
/** The attribute the Azure Monitor exporter turns into a custom event (EventData). */
const customEventName = 'microsoft.custom_event.name';

/**
 * Records a custom event (customEvents in Application Insights) on the current operation: an
 * event sent while handling a request carries that request's operation id.
 */
export function trackEvent(name: string, properties: EventProperties = {}): void {
  logs.getLogger(scope).emit({ attributes: { ...properties, [customEventName]: name } });
}

/**
 * A histogram metric (customMetrics: count, sum, min, max per export interval), e.g.
 * `histogram('quote_total', { unit: 'EUR' }).record(12.5, { currency: 'EUR' })`.
 * Create it once per module, record per event.
 */
export function histogram(name: string, options: { unit?: string; description?: string } = {}): Pick<Histogram, 'record'> {
  let instrument: Histogram | undefined;
  return {
    // The meter is looked up on first use: a module may create the histogram before the SDK
    // registered its meter provider (the API's proxy does not forward meters, unlike tracers).
    record(value: number, attributes?: Attributes) {
      instrument ??= metrics.getMeter(scope).createHistogram(name, options);
      instrument.record(value, attributes);
    },
  };
}

/**
 * Records an exception (ExceptionData) on the current operation. For errors a service handled
 * without a request span to attach them to (crashes, background work).
 */
export function trackException(error: unknown, properties: EventProperties = {}): void {
  const err = error instanceof Error ? error : new Error(String(error));
  logs.getLogger(scope).emit({
    severityNumber: SeverityNumber.ERROR,
    body: err.message,
    attributes: {
      ...properties,
      'exception.type': err.name,
      'exception.message': err.message,
      'exception.stacktrace': err.stack ?? `${err.name}: ${err.message}`,
    },
  });
}

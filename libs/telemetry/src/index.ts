export { startTelemetry, type StartOptions } from './start';
export { readTelemetrySettings, TelemetrySettingsError, type TelemetrySettings } from './settings';
export { trackEvent, trackException, histogram, type EventProperties } from './custom';
export { flushTelemetry, shutdownTelemetry, telemetryEnabled } from './control';

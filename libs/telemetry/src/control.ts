import { bounded, currentRuntime } from './runtime';

/** True when the preload started the SDK with a connection string. */
export function telemetryEnabled(): boolean {
  return currentRuntime()?.enabled ?? false;
}

/** Sends queued telemetry now; resolves within `timeoutMs` even if ingestion hangs. */
export async function flushTelemetry(timeoutMs = 3_000): Promise<void> {
  const runtime = currentRuntime();
  if (runtime?.enabled) await bounded(runtime.flush(), timeoutMs);
}

/**
 * Final flush and SDK shutdown, for the service runtime's shutdown hooks; resolves within
 * `timeoutMs` whatever ingestion does. A no-op when telemetry is off.
 */
export async function shutdownTelemetry(timeoutMs = 3_000): Promise<void> {
  const runtime = currentRuntime();
  if (runtime?.enabled) await bounded(runtime.shutdown(), timeoutMs);
}

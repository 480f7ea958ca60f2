/**
 * What the preload started, shared with the service's own code through a global symbol: the
 * preload is loaded with `--require` from dist/, while a service may reach this library through
 * another path (sources in tests), and both must see the same state.
 */
export interface TelemetryRuntime {
  readonly enabled: boolean;
  readonly serviceName: string;
  /** Sends what is queued now. Never rejects. */
  flush(): Promise<void>;
  /** Flushes, then stops exporters and timers. Never rejects. */
  shutdown(): Promise<void>;
}

const runtimeKey = Symbol.for('@shipyard/telemetry/runtime');
type Holder = { [runtimeKey]?: TelemetryRuntime };

export const disabledRuntime = (serviceName: string): TelemetryRuntime => ({
  enabled: false,
  serviceName,
  flush: async () => undefined,
  shutdown: async () => undefined,
});

export function currentRuntime(): TelemetryRuntime | undefined {
  return (globalThis as Holder)[runtimeKey];
}

export function setRuntime(runtime: TelemetryRuntime): void {
  (globalThis as Holder)[runtimeKey] = runtime;
}

/** Resolves when `work` settles or after `timeoutMs`, whichever is first; never rejects. */
export async function bounded(work: Promise<unknown>, timeoutMs: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => 'done' as const, () => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import { flushTelemetry, shutdownTelemetry, telemetryEnabled } from './control';
import { createPreloadLog } from './preload-log';
import { bounded, setRuntime } from './runtime';

describe('bounded', () => {
  it('returns when the work settles, even by rejecting', async () => {
    await expect(bounded(Promise.reject(new Error('x')), 1000)).resolves.toBe('done');
  });

  it('gives up after the timeout when the work hangs', async () => {
    const started = Date.now();
    await expect(bounded(new Promise(() => undefined), 50)).resolves.toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('flush and shutdown', () => {
  it('are bounded by their timeout when the runtime hangs', async () => {
    const hang = () => new Promise<void>(() => undefined);
    setRuntime({ enabled: true, serviceName: 'x', flush: hang, shutdown: hang });
    expect(telemetryEnabled()).toBe(true);
    const started = Date.now();
    await flushTelemetry(50);
    await shutdownTelemetry(50);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('createPreloadLog', () => {
  it('writes pino-shaped JSON lines at or above LOG_LEVEL', () => {
    const lines: string[] = [];
    const log = createPreloadLog('catalog-api', { LOG_LEVEL: 'warn' }, (l) => lines.push(l));
    log('info', 'hidden');
    log('error', 'telemetry off', { issues: ['x'] });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 50, service: 'catalog-api', msg: 'telemetry off', issues: ['x'] });
  });

  it('is silent with LOG_LEVEL=silent', () => {
    const lines: string[] = [];
    createPreloadLog('x', { LOG_LEVEL: 'silent' }, (l) => lines.push(l))('fatal', 'x');
    expect(lines).toEqual([]);
  });
});

import { LifecycleController } from './lifecycle';
import { captureLogs } from './testing/capture-logs';

describe('LifecycleController', () => {
  it('starts not draining and drains once', () => {
    const lifecycle = new LifecycleController();
    expect(lifecycle.draining).toBe(false);
    expect(lifecycle.beginDraining()).toBe(true);
    expect(lifecycle.draining).toBe(true);
    expect(lifecycle.beginDraining()).toBe(false);
  });

  it('runs hooks in registration order and keeps going after a failure', async () => {
    const { logger, entries } = captureLogs();
    const lifecycle = new LifecycleController();
    const ran: string[] = [];
    lifecycle.onShutdown('first', async () => {
      ran.push('first');
    });
    lifecycle.onShutdown('broken', () => {
      ran.push('broken');
      throw new Error('flush failed');
    });
    lifecycle.onShutdown('last', () => {
      ran.push('last');
    });
    await expect(lifecycle.runShutdownHooks(Date.now() + 1000, logger)).resolves.toEqual(['broken']);
    expect(ran).toEqual(['first', 'broken', 'last']);
    expect(entries.find((e) => e.msg === 'shutdown hook failed')).toMatchObject({ hook: 'broken', err: { message: 'flush failed' } });
  });

  it('bounds each hook by the time left and skips hooks once the deadline has passed', async () => {
    const { logger } = captureLogs();
    const lifecycle = new LifecycleController();
    let lateRan = false;
    lifecycle.onShutdown('slow', () => new Promise<void>((resolve) => setTimeout(resolve, 1000)));
    lifecycle.onShutdown('late', () => {
      lateRan = true;
    });
    const started = Date.now();
    await expect(lifecycle.runShutdownHooks(Date.now() + 50, logger)).resolves.toEqual(['slow', 'late']);
    expect(Date.now() - started).toBeLessThan(500);
    expect(lateRan).toBe(false);
  });

  it('refuses two hooks with the same name', () => {
    const lifecycle = new LifecycleController();
    lifecycle.onShutdown('db', () => undefined);
    expect(() => lifecycle.onShutdown('db', () => undefined)).toThrow("A shutdown hook named 'db' is already registered");
  });
});

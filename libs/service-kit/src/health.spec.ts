import request from 'supertest';
import { createApp } from './app';
import { createServiceContext } from './context';
import type { BaseConfig } from './config';
import { HealthRegistry } from './health';
import { LifecycleController } from './lifecycle';
import { captureLogs } from './testing/capture-logs';

const config: BaseConfig = { HOST: '127.0.0.1', PORT: 8080, LOG_LEVEL: 'info', SHUTDOWN_DEADLINE_MS: 1000 };

function setup() {
  const logs = captureLogs();
  const ctx = createServiceContext('health-spec', config, logs.logger);
  const app = createApp(ctx, () => undefined);
  return { ctx, app, logs, lifecycle: ctx.lifecycle as LifecycleController };
}

describe('GET /healthz/live', () => {
  it('answers 200 while the process runs, also while draining, and is never cached', async () => {
    const { app, lifecycle } = setup();
    const live = await request(app).get('/healthz/live').expect(200);
    expect(live.body).toEqual({ status: 'live' });
    expect(live.headers['cache-control']).toBe('no-store');
    lifecycle.beginDraining();
    await request(app).get('/healthz/live').expect(200);
  });
});

describe('GET /healthz/ready', () => {
  it('answers 200 with each passing check', async () => {
    const { ctx, app } = setup();
    ctx.health.addReadinessCheck('catalog', async () => undefined);
    ctx.health.addReadinessCheck('cache', () => undefined);
    const ready = await request(app).get('/healthz/ready').expect(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { catalog: { status: 'pass', durationMs: expect.any(Number) }, cache: { status: 'pass', durationMs: expect.any(Number) } },
    });
  });

  it('answers 503 problem naming the failing check, keeping its error in the logs only', async () => {
    const { ctx, app, logs } = setup();
    ctx.health.addReadinessCheck('catalog', async () => undefined);
    ctx.health.addReadinessCheck('database', async () => {
      throw new Error('connect ECONNREFUSED 10.1.2.3:5432');
    });
    const response = await request(app).get('/healthz/ready').expect(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      status: 503,
      title: 'Service Unavailable',
      detail: 'Not ready: database.',
      checks: { catalog: { status: 'pass' }, database: { status: 'fail', reason: 'error' } },
    });
    expect(response.text).not.toContain('ECONNREFUSED');
    expect(logs.entries.find((e) => e.msg === 'not ready: database')).toMatchObject({
      level: 'warn',
      causes: { database: 'Error: connect ECONNREFUSED 10.1.2.3:5432' },
    });
  });

  it('fails a check that does not answer within its timeout', async () => {
    const { ctx, app } = setup();
    ctx.health.addReadinessCheck('hanging', () => new Promise<void>(() => undefined), { timeoutMs: 50 });
    const started = Date.now();
    const response = await request(app).get('/healthz/ready').expect(503);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(response.body.checks.hanging).toMatchObject({ status: 'fail', reason: 'timeout' });
    expect(response.body.checks.hanging.durationMs).toBeGreaterThanOrEqual(45);
  });

  it('answers 503 while draining without running the checks', async () => {
    const { ctx, app, lifecycle } = setup();
    const check = jest.fn();
    ctx.health.addReadinessCheck('catalog', check);
    lifecycle.beginDraining();
    const response = await request(app).get('/healthz/ready').expect(503);
    expect(response.body).toMatchObject({ status: 503, detail: 'The service is shutting down.', checks: {} });
    expect(check).not.toHaveBeenCalled();
  });

  it('does not write an access log line for probes', async () => {
    const { app, logs } = setup();
    await request(app).get('/healthz/ready').expect(200);
    await request(app).get('/healthz/live?verbose=1').expect(200);
    expect(logs.entries.filter((e) => e.msg === 'request completed')).toEqual([]);
  });
});

describe('HealthRegistry', () => {
  it('refuses duplicate names and non-positive timeouts', () => {
    const health = new HealthRegistry(new LifecycleController());
    health.addReadinessCheck('db', () => undefined);
    expect(() => health.addReadinessCheck('db', () => undefined)).toThrow("A readiness check named 'db' is already registered");
    expect(() => health.addReadinessCheck('cache', () => undefined, { timeoutMs: 0 })).toThrow(RangeError);
  });

  it('is required by createApp (a hand-made context would lose readiness)', () => {
    const ctx = createServiceContext('x', config);
    expect(() => createApp({ ...ctx, health: { addReadinessCheck: () => undefined } }, () => undefined)).toThrow(TypeError);
  });
});

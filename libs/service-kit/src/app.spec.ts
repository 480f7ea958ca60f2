import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemDetailsSchema } from '@shipyard/contracts';
import request from 'supertest';
import { z } from 'zod';
import { createApp, type AppOptions } from './app';
import type { BaseConfig } from './config';
import { createServiceContext } from './context';
import { HttpProblem, parseOrProblem, problems } from './problems';
import { captureLogs } from './testing/capture-logs';

const config: BaseConfig = { HOST: '127.0.0.1', PORT: 8080, LOG_LEVEL: 'info', SHUTDOWN_DEADLINE_MS: 1000 };
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function setup(opts: AppOptions = {}) {
  const logs = captureLogs('app-spec');
  const ctx = createServiceContext('app-spec', config, logs.logger);
  const app = createApp(
    ctx,
    (routes) => {
      routes.post('/echo', (req, res) => {
        res.json({ received: req.body });
      });
      routes.post('/orders', (req, res) => {
        const order = parseOrProblem(z.object({ quantity: z.int().min(1) }), req.body);
        res.status(201).json(order);
      });
      routes.get('/teapot', () => {
        throw new HttpProblem(418, { detail: 'Short and stout.', headers: { 'X-Brew': 'earl-grey' } });
      });
      routes.get('/busy', () => {
        throw problems.serviceUnavailable('Catalog is not answering.', 5);
      });
      routes.get('/boom', () => {
        throw new Error('password=hunter2 at db-7.internal');
      });
      routes.get('/async-boom', async () => {
        await Promise.resolve();
        throw new TypeError('cannot read properties of undefined (internal detail)');
      });
      routes.get('/throw-string', () => {
        throw 'a bare string';
      });
      routes.get('/items/:id', (req, res) => {
        res.json({ id: req.params.id });
      });
      routes.get('/unexposed-client-error', () => {
        throw Object.assign(new Error("Failed to decode param '%FF' (quotes the request)"), { status: 400 });
      });
      routes.get('/whoami', (req, res) => {
        res.json({ id: req.id });
      });
    },
    opts,
  );
  return { app, logs };
}

function expectProblem(response: request.Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = problemDetailsSchema.parse(JSON.parse(response.text));
  expect(body.status).toBe(status);
  return body;
}

describe('createApp error answers (RFC 9457)', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const response = await request(setup().app).get('/nope?token=abc');
    const body = expectProblem(response, 404);
    expect(body).toMatchObject({ title: 'Not Found', detail: 'No route for GET /nope.', instance: '/nope' });
  });

  it('answers an HttpProblem with its status, text and headers', async () => {
    const response = await request(setup().app).get('/teapot');
    expect(expectProblem(response, 418)).toMatchObject({ detail: 'Short and stout.', title: "I'm a Teapot" });
    expect(response.headers['x-brew']).toBe('earl-grey');
  });

  it('passes Retry-After of a 503 problem through', async () => {
    const response = await request(setup().app).get('/busy');
    expect(expectProblem(response, 503).detail).toBe('Catalog is not answering.');
    expect(response.headers['retry-after']).toBe('5');
  });

  it('answers invalid JSON with a 400 problem that does not quote the parser', async () => {
    const response = await request(setup().app).post('/echo').set('content-type', 'application/json').send('{"quantity": ');
    expect(expectProblem(response, 400).detail).toBe('The request body is not valid JSON.');
  });

  it('answers a body over the limit with a 413 problem', async () => {
    const { app } = setup({ bodyLimit: '1kb' });
    await request(app).post('/echo').send({ text: 'x'.repeat(900) }).expect(200);
    const response = await request(app).post('/echo').send({ text: 'x'.repeat(2000) });
    expect(expectProblem(response, 413).detail).toBe('The request body exceeds the limit of 1024 bytes.');
  });

  it('lists invalid fields from parseOrProblem', async () => {
    const response = await request(setup().app).post('/orders').send({ quantity: 0 });
    expect(expectProblem(response, 400).errors).toEqual([{ field: 'quantity', message: expect.stringContaining('>=1') }]);
  });

  it.each(['/items/%FF', '/items/%', '/items/%E0%A4%A', '/unexposed-client-error'])(
    'answers %s (a 4xx error without expose) with a 400 problem, a fixed detail and no error log',
    async (path) => {
      const { app, logs } = setup();
      const response = await request(app).get(path);
      expect(expectProblem(response, 400).detail).toBe('The request could not be processed as sent.');
      expect(response.text).not.toMatch(/decode|quotes the request/);
      expect(logs.entries.find((e) => e.msg === 'request completed')).toMatchObject({ level: 'warn', res: { statusCode: 400 } });
      expect(logs.entries.some((e) => e.level === 'error')).toBe(false);
    },
  );

  it.each(['/boom', '/async-boom', '/throw-string'])('answers %s with a 500 problem that leaks nothing, and logs the cause', async (path) => {
    const { app, logs } = setup();
    const response = await request(app).get(path).set('x-request-id', 'support-ticket-42');
    const body = expectProblem(response, 500);
    expect(body).toMatchObject({ title: 'Internal Server Error', requestId: 'support-ticket-42' });
    expect(response.text).not.toMatch(/hunter2|internal detail|bare string|stack|at .*\.ts/);
    const logged = logs.entries.find((e) => e.msg === 'request errored');
    expect(logged).toMatchObject({ level: 'error', req: { id: 'support-ticket-42' }, res: { statusCode: 500 } });
    expect((logged?.err as { stack?: string }).stack).toEqual(expect.any(String));
  });

  it('sends helmet security headers and no x-powered-by', async () => {
    const response = await request(setup().app).get('/whoami').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('passes helmet options through', async () => {
    const { app } = setup({ helmet: { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } } });
    const response = await request(app).get('/whoami').expect(200);
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect((await request(setup().app).get('/whoami')).headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('serves static files when given a folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'service-kit-static-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello from disk');
    const response = await request(setup({ staticDir: dir }).app).get('/hello.txt').expect(200);
    expect(response.text).toBe('hello from disk');
  });
});

describe('request ids', () => {
  it('honours an incoming x-request-id and echoes it', async () => {
    const response = await request(setup().app).get('/whoami').set('x-request-id', 'abc-123').expect(200);
    expect(response.body.id).toBe('abc-123');
    expect(response.headers['x-request-id']).toBe('abc-123');
  });

  it('uses the trace id of a valid traceparent', async () => {
    const response = await request(setup().app)
      .get('/whoami')
      .set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
      .expect(200);
    expect(response.body.id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(response.headers['x-request-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('generates a UUID otherwise, also for error answers, and logs with it', async () => {
    const { app, logs } = setup();
    const response = await request(app).get('/missing').set('traceparent', 'not-a-traceparent');
    expect(response.headers['x-request-id']).toMatch(uuid);
    expect(response.body.requestId).toBe(response.headers['x-request-id']);
    expect(logs.entries.find((e) => e.msg === 'request completed')).toMatchObject({
      level: 'warn',
      service: 'app-spec',
      req: { id: response.headers['x-request-id'], method: 'GET', url: '/missing' },
      res: { statusCode: 404 },
    });
  });

  it('keeps credentials and headers out of the access log', async () => {
    const { app, logs } = setup();
    await request(app).get('/whoami').set('authorization', 'Bearer secret-token').set('cookie', 'session=abc').expect(200);
    expect(JSON.stringify(logs.entries)).not.toMatch(/secret-token|session=abc/);
  });
});

import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';
import { createApp } from './app';
import type { BaseConfig } from './config';
import { createServiceContext, type ServiceContext } from './context';
import { ShutdownError, startServer, type RunningServer, type StartServerOptions } from './server';
import { captureLogs } from './testing/capture-logs';
import { freePort } from './testing/free-port';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function fetchText(url: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A service with a slow route that reports when each request has started, for timing a shutdown. */
async function start(deadlineMs = 2000, opts: StartServerOptions = {}, extra: Partial<BaseConfig> = {}) {
  const logs = captureLogs('server-spec');
  const config: BaseConfig = { HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'info', SHUTDOWN_DEADLINE_MS: deadlineMs, ...extra };
  const ctx: ServiceContext = createServiceContext('server-spec', config, logs.logger);
  let onStarted: () => void = () => undefined;
  const started = () => new Promise<void>((resolve) => (onStarted = resolve));
  const app = createApp(ctx, (routes) => {
    routes.get('/slow', async (req, res) => {
      onStarted();
      await sleep(Number(req.query.ms ?? 200));
      res.json({ done: true });
    });
    // Headers go out at once, the body later: the response was committed to keep-alive before draining.
    // Never answers and holds no timer: only the shutdown deadline ends it.
    routes.get('/hang', async () => {
      onStarted();
      await new Promise(() => undefined);
    });
    routes.get('/stream', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      onStarted();
      await sleep(200);
      res.end('last');
    });
  });
  const running = await startServer(ctx, app, { signals: ['SIGUSR2'], exit: () => undefined, ...opts });
  return { ctx, logs, running, started };
}

let running: RunningServer | undefined;
afterEach(async () => {
  // A test that failed midway must not leave a listening server or a signal handler behind.
  await running?.shutdown('test cleanup').catch(() => undefined);
  running = undefined;
});

describe('startServer', () => {
  it('listens on HOST:PORT and reports the url', async () => {
    const service = await start();
    running = service.running;
    expect(service.running.url).toBe(`http://127.0.0.1:${service.running.port}`);
    expect(service.running.port).toBeGreaterThan(0);
    expect((await fetchText(`${service.running.url}/healthz/live`)).status).toBe(200);
  });

  it('rejects when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const ctx = createServiceContext('server-spec', { HOST: '127.0.0.1', PORT: port, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: 100 });
      await expect(startServer(ctx, createApp(ctx, () => undefined))).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      blocker.close();
    }
  });

  it('with HEALTH_PORT, answers /healthz/* there only: the public port has no health endpoints', async () => {
    const service = await start(2000, {}, { HEALTH_PORT: await freePort() });
    running = service.running;
    expect(service.running.healthUrl).not.toBe(service.running.url);
    expect((await fetchText(`${service.running.healthUrl}/healthz/ready`)).status).toBe(200);
    expect((await fetchText(`${service.running.healthUrl}/healthz/live`)).status).toBe(200);
    const hidden = await fetchText(`${service.running.url}/healthz/ready`);
    expect({ status: hidden.status, type: hidden.headers['content-type'] }).toEqual({ status: 404, type: 'application/problem+json; charset=utf-8' });
    // The health listener serves nothing else.
    expect((await fetchText(`${service.running.healthUrl}/slow?ms=1`)).status).toBe(404);
  });

  it('with HEALTH_PORT, readiness answers 503 while draining, and the health listener closes last', async () => {
    const service = await start(2000, {}, { HEALTH_PORT: await freePort() });
    running = service.running;
    const requestStarted = service.started();
    const inFlight = fetchText(`${service.running.url}/slow?ms=300`);
    await requestStarted;
    const shutdown = service.running.shutdown('test');
    const whileDraining = await fetchText(`${service.running.healthUrl}/healthz/ready`, new Agent({ keepAlive: false }));
    expect(whileDraining.status).toBe(503);
    expect((await inFlight).status).toBe(200);
    await shutdown;
    await expect(fetchText(`${service.running.healthUrl}/healthz/live`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses HEALTH_PORT equal to PORT', async () => {
    const port = await freePort();
    const ctx = createServiceContext('server-spec', { HOST: '127.0.0.1', PORT: port, HEALTH_PORT: port, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: 100 });
    await expect(startServer(ctx, createApp(ctx, () => undefined))).rejects.toThrow(`HEALTH_PORT and PORT are both ${port}`);
  });

  it('lets an in-flight request finish, refuses new connections, then runs hooks', async () => {
    const service = await start();
    running = service.running;
    const order: string[] = [];
    service.ctx.lifecycle.onShutdown('flush', () => {
      const completed = service.logs.entries.filter((e) => e.msg === 'request completed').length;
      order.push(`hook (listening=${service.running.server.listening}, completed=${completed})`);
    });
    const requestStarted = service.started();
    const inFlight = fetchText(`${service.running.url}/slow?ms=300`);
    await requestStarted;

    const shutdown = service.running.shutdown('test');
    expect(service.ctx.lifecycle.draining).toBe(true);
    await expect(fetchText(`${service.running.url}/healthz/live`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const answer = await inFlight;
    expect(answer).toMatchObject({ status: 200, body: '{"done":true}' });
    expect(answer.headers.connection).toBe('close');
    await shutdown;
    expect(order).toEqual(['hook (listening=false, completed=1)']);
    expect(service.logs.entries.map((e) => e.msg)).toEqual(
      expect.arrayContaining(['shutting down: not ready, no new connections, draining', 'shutdown hook done', 'shutdown complete']),
    );
  });

  it('closes an idle keep-alive connection at once instead of waiting for its timeout', async () => {
    const service = await start();
    running = service.running;
    const agent = new Agent({ keepAlive: true });
    try {
      const answer = await fetchText(`${service.running.url}/healthz/live`, agent);
      expect(answer.headers.connection).toBe('keep-alive');
      const started = Date.now();
      await service.running.shutdown('test');
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      agent.destroy();
    }
  });

  it('closes a keep-alive connection whose headers went out before draining as soon as its response ends', async () => {
    const service = await start();
    running = service.running;
    const agent = new Agent({ keepAlive: true });
    try {
      const requestStarted = service.started();
      const streamed = fetchText(`${service.running.url}/stream`, agent);
      await requestStarted;
      const started = Date.now();
      await service.running.shutdown('test');
      const answer = await streamed;
      expect(answer).toMatchObject({ status: 200, body: 'first last' });
      expect(answer.headers.connection).toBe('keep-alive');
      // The server's keep-alive timeout is 5 s; closing promptly means well under that.
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      agent.destroy();
    }
  });

  it('gives up at the deadline: rejects with ShutdownError and cuts the remaining connections', async () => {
    const service = await start(150);
    running = service.running;
    const requestStarted = service.started();
    const inFlight = fetchText(`${service.running.url}/hang`);
    inFlight.catch(() => undefined);
    await requestStarted;
    const started = Date.now();
    await expect(service.running.shutdown('test')).rejects.toEqual(expect.any(ShutdownError));
    await expect(service.running.shutdown('again')).rejects.toMatchObject({ outstandingRequests: 1 });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(service.logs.entries.find((e) => e.level === 'error')).toMatchObject({
      msg: 'shutdown deadline passed with requests in flight; closing their connections',
      outstanding: 1,
    });
  });
});

/** Sends raw bytes and reads until the server closes the connection. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('requests the HTTP parser refuses', () => {
  it.each([
    ['an oversized header', `GET /healthz/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['an oversized URL', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['Content-Length with Transfer-Encoding', 'POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['a header with a bare CR', 'GET /healthz/live HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
    ['an unknown method', 'BREW /healthz/live HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['no Host header', 'GET /healthz/live HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
    ['CONNECT', 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', 405],
  ])('answers %s with a problem+json', async (_what, bytes, status) => {
    const service = await start();
    running = service.running;
    const answer = await rawExchange(service.running.port, bytes);
    const [head, body] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(body)).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    expect((await fetchText(`${service.running.url}/healthz/live`)).status).toBe(200);
  });
});

describe('startServer signal handling', () => {
  it('installs SIGTERM and SIGINT handlers by default and removes them after shutdown', async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const ctx = createServiceContext('server-spec', { HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: 500 });
    const server = await startServer(ctx, createApp(ctx, () => undefined));
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
    await server.shutdown('test');
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
  });

  it('on a signal drains, exits 0, and keeps draining through a second signal', async () => {
    const exit = jest.fn();
    const service = await start(2000, { exit });
    running = service.running;
    const requestStarted = service.started();
    const inFlight = fetchText(`${service.running.url}/slow?ms=300`);
    await requestStarted;

    process.emit('SIGUSR2', 'SIGUSR2');
    await sleep(20);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(exit).not.toHaveBeenCalled();
    expect(service.logs.entries.find((e) => e.msg === 'signal received while draining; still draining')).toMatchObject({
      signal: 'SIGUSR2',
    });

    expect((await inFlight).status).toBe(200);
    await service.running.shutdown();
    await sleep(0);
    expect(exit.mock.calls).toEqual([[0]]);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('exits 1 when a shutdown hook fails', async () => {
    const exit = jest.fn();
    const service = await start(500, { exit });
    running = service.running;
    service.ctx.lifecycle.onShutdown('broken', () => Promise.reject(new Error('flush failed')));
    process.emit('SIGUSR2', 'SIGUSR2');
    await expect(service.running.shutdown()).rejects.toMatchObject({ failedHooks: ['broken'] });
    await sleep(0);
    expect(exit.mock.calls).toEqual([[1]]);
  });
});

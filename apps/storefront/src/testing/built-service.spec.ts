import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeLoopbackPort, startBuiltService, stopAll, type RunningService } from './built-service';

// Small stand-ins for a built service, so the helper's behaviour is checked without a build.
const fixtures: Record<string, string> = {
  'slow-start.cjs': `
    const http = require('node:http');
    const started = Date.now();
    http.createServer((req, res) => {
      if (req.url === '/healthz/ready') res.writeHead(Date.now() - started > 300 ? 200 : 503).end();
      else res.end(JSON.stringify({ host: process.env.HOST, port: process.env.PORT, greeting: process.env.GREETING }));
    }).listen(Number(process.env.PORT), process.env.HOST);
    process.on('SIGTERM', () => process.exit(0));
  `,
  'crash.cjs': `console.error('CATALOG_BASE_URL: required'); process.exit(1);`,
  'never-ready.cjs': `
    const http = require('node:http');
    http.createServer((req, res) => res.writeHead(503).end()).listen(Number(process.env.PORT), process.env.HOST);
  `,
  'stubborn.cjs': `
    const http = require('node:http');
    http.createServer((req, res) => res.end()).listen(Number(process.env.PORT), process.env.HOST);
    process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
  `,
};

describe('startBuiltService', () => {
  let dir: string;
  const services: RunningService[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'built-service-'));
    for (const [name, source] of Object.entries(fixtures)) writeFileSync(path.join(dir, name), source);
  });

  afterEach(async () => {
    await stopAll(services.splice(0));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a free loopback port', async () => {
    const port = await freeLoopbackPort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it('starts the script on a loopback port with the given env and waits until it is ready', async () => {
    const service = await startBuiltService({ app: 'slow', entry: path.join(dir, 'slow-start.cjs'), env: { GREETING: 'hi' } });
    services.push(service);
    const answer = await (await fetch(`${service.url}/`)).json();
    expect(answer).toEqual({ host: '127.0.0.1', port: String(service.port), greeting: 'hi' });
    expect((await fetch(`${service.url}/healthz/ready`)).status).toBe(200);

    await service.stop();
    expect(service.child.exitCode).toBe(0);
  });

  it('fails with the process output when the service exits during start-up', async () => {
    await expect(startBuiltService({ app: 'crash', entry: path.join(dir, 'crash.cjs') })).rejects.toThrow(
      /crash on port \d+ exited with 1; its output:\nCATALOG_BASE_URL: required/,
    );
  });

  it('fails and stops the process when readiness never comes', async () => {
    const attempt = startBuiltService({ app: 'never-ready', entry: path.join(dir, 'never-ready.cjs'), readyTimeoutMs: 500 });
    const error = await attempt.then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(/never-ready on port \d+ was not ready within 500 ms \(last: status 503\)/);
    const port = /on port (\d+)/.exec(error?.message ?? '')?.[1];
    await expect(fetch(`http://127.0.0.1:${port}/healthz/ready`)).rejects.toThrow();
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const service = await startBuiltService({ app: 'stubborn', entry: path.join(dir, 'stubborn.cjs') });
    const started = Date.now();
    await service.stop(300);
    expect(service.child.signalCode).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('names the build to run when the entry does not exist', async () => {
    await expect(startBuiltService({ app: 'no-such-app' })).rejects.toThrow(/npx nx run no-such-app:build/);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * Test helper: runs a service exactly as it ships (`node apps/<app>/dist/main.js`) on a free
 * loopback port and waits until its /healthz/ready answers 200. Integration tests of any project
 * can use it; the build must have run first (the `integration` targets depend on it).
 */

export const workspaceRoot = path.resolve(__dirname, '..', '..', '..', '..');

export interface StartBuiltServiceOptions {
  /** Project folder under apps/, e.g. 'catalog-api'. */
  app: string;
  /** Service variables (HOST and PORT are set by the helper). */
  env?: Record<string, string>;
  /** How long to wait for /healthz/ready to answer 200; default 20 s. */
  readyTimeoutMs?: number;
  /** Script to run instead of apps/<app>/dist/main.js (used by the helper's own tests). */
  entry?: string;
}

export interface RunningService {
  readonly app: string;
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr, last 64 KiB). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within graceMs (default 5000). */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;
const PASSED_THROUGH_ENV = ['PATH', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'TZ', 'LANG'];
const running = new Set<ChildProcess>();

// Last resort if a test runner exits without stopping its services: never leave orphans behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read the bound port');
  return address.port;
}

export async function startBuiltService(options: StartBuiltServiceOptions): Promise<RunningService> {
  const entry = options.entry ?? path.join(workspaceRoot, 'apps', options.app, 'dist', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: build it first (npx nx run ${options.app}:build)`);
  }
  // Another process can take the port between probing and binding; try again on that one error.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await startOnPort(options, entry, port);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('EADDRINUSE')) throw error;
    }
  }
}

/** Stops every given service, even when some of them fail to stop. */
export async function stopAll(services: readonly (RunningService | undefined)[]): Promise<void> {
  await Promise.allSettled(services.map((service) => service?.stop()));
}

async function startOnPort(options: StartBuiltServiceOptions, entry: string, port: number): Promise<RunningService> {
  const env: Record<string, string> = { SHUTDOWN_DEADLINE_MS: '2000', LOG_LEVEL: 'warn' };
  for (const name of PASSED_THROUGH_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env, { HOST: '127.0.0.1', PORT: String(port) });

  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const service: RunningService = {
    app: options.app,
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output: () => output,
    async stop(graceMs = 5000) {
      if (hasExited()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + readyTimeoutMs;
  let lastAnswer = 'no answer yet';
  while (Date.now() < deadline && !hasExited()) {
    try {
      const response = await fetch(`${service.url}/healthz/ready`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return service;
      lastAnswer = `status ${response.status}`;
    } catch (error) {
      lastAnswer = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const why = hasExited()
    ? `exited with ${child.exitCode ?? child.signalCode}`
    : `was not ready within ${readyTimeoutMs} ms (last: ${lastAnswer})`;
  await service.stop();
  throw new Error(`${options.app} on port ${port} ${why}; its output:\n${output}`);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../../images/testing/containers';
import { workspaceRoot } from '../../../workspace/root';

/**
 * Test helper: starts a built service exactly as its serve target and image do
 * (`node --require @shipyard/telemetry/preload dist/main.js`) on a free loopback port, and waits
 * for /healthz/ready. Extra `--require` files (the loopback guard, a connect recorder) go first.
 */
export interface ServiceProcess {
  app: string;
  url: string;
  pid: number;
  output(): string;
  /** Resident set size from /proc, in MiB. */
  rssMiB(): number;
  stop(): Promise<number | null>;
}

export const preloadPath = path.join(workspaceRoot, 'libs', 'telemetry', 'dist', 'preload.js');

export async function startService(
  app: string,
  env: Record<string, string | undefined>,
  options: { requires?: string[]; telemetry?: boolean; nodeArgs?: string[]; launcher?: string[]; readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const requires = [...(options.requires ?? []), ...(options.telemetry === false ? [] : [preloadPath])];
  // A launcher that execs its last argument (`taskset -c 0`) keeps the child's pid the service's pid.
  const [command, ...launcherArgs] = [...(options.launcher ?? []), process.execPath];
  const child: ChildProcess = spawn(
    command,
    [...launcherArgs, ...(options.nodeArgs ?? []), ...requires.flatMap((file) => ['--require', file]), path.join(workspaceRoot, 'apps', app, 'dist', 'main.js')],
    {
      cwd: path.join(workspaceRoot, 'apps', app),
      // Only what the test passes: no connection string, proxy or OTEL_* leaks in from the shell.
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', SHUTDOWN_DEADLINE_MS: '3000', ...env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-256 * 1024));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const service: ServiceProcess = {
    app,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    output: () => output,
    rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await fetch(`${service.url}/healthz/ready`, { signal: AbortSignal.timeout(1000) })
      .then(async (r) => (await r.arrayBuffer(), r.status === 200))
      .catch(() => false);
    if (ok) return service;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop();
  throw new Error(`${app} did not become ready; output:\n${output}`);
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

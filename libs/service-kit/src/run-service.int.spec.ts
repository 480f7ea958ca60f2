// Runs the compiled library in real processes (src/testing/shutdown-fixture.cjs) and sends them real
// signals. The `integration` target builds dist first.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort } from './testing/free-port';

const fixture = join(__dirname, 'testing', 'shutdown-fixture.cjs');
const distEntry = join(__dirname, '..', 'dist', 'index.js');

type LogLine = Record<string, unknown> & { msg?: string; req?: { id?: string } };

interface Fixture {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLog: (msg: string, timeoutMs?: number) => Promise<LogLine>;
}

function fixtureEnv(port: number, env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['HOST', 'PORT', 'LOG_LEVEL', 'SHUTDOWN_DEADLINE_MS', 'FIXTURE_WORK_MS', 'FIXTURE_GREETING']) delete base[key];
  return { ...base, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', FIXTURE_GREETING: 'hello', ...env };
}

/** Starts `command args…` (the fixture, possibly wrapped) and collects its JSON log lines. */
function launch(command: string, args: string[], port: number, env: Record<string, string>): Fixture {
  const child = spawn(command, args, { env: fixtureEnv(port, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: { msg: string; resolve: (line: LogLine) => void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines.filter((l) => l.trim() !== '')) {
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      for (const waiter of waiters.filter((w) => w.msg === line.msg)) waiter.resolve(line);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const waitForLog = (msg: string, timeoutMs = 10_000) => {
    const seen = logs.find((line) => line.msg === msg);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${msg}' log line within ${timeoutMs}ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({ msg, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      void exited.then(({ code }) => reject(new Error(`fixture exited (${code}) before logging '${msg}'; stderr: ${stderr}`)));
    });
  };
  return { child, url: `http://127.0.0.1:${port}`, logs, stderr: () => stderr, exited, waitForLog };
}

async function startFixture(env: Record<string, string> = {}): Promise<Fixture> {
  const port = await freePort();
  const service = launch(process.execPath, [fixture], port, env);
  await service.waitForLog('listening');
  return service;
}

type Outcome =
  | { kind: 'completed'; status: number; body: string }
  | { kind: 'error'; code: string; gotResponseHead: boolean };

function get(url: string, requestId: string, agent: Agent | false): Promise<Outcome> {
  return new Promise((resolve) => {
    let gotResponseHead = false;
    const req = request(url, { agent, headers: { 'x-request-id': requestId } }, (res) => {
      gotResponseHead = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ kind: 'completed', status: res.statusCode ?? 0, body }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: 'error', code: err.code ?? err.message, gotResponseHead }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: 'error', code: err.code ?? err.message, gotResponseHead }));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let running: Fixture | undefined;

beforeAll(() => {
  if (!existsSync(distEntry)) throw new Error(`${distEntry} is missing: run \`npx nx run service-kit:build\` (the integration target does)`);
});

afterEach(() => {
  // A failed assertion must not leave a service process behind.
  if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  running = undefined;
});

describe('graceful shutdown of a real process under load', () => {
  it('answers every accepted request completely, refuses new connections, and exits 0 within the deadline', async () => {
    const deadlineMs = 5000;
    const workMs = 200;
    // A third each: keep-alive back to back, a new connection per request, keep-alive with think
    // time (so some keep-alive sockets sit idle when SIGTERM arrives).
    const clients = 24;
    const maxRequests = 2000; // hard bound on the load, whatever happens
    const loadBeforeSignalMs = 1000;
    const service = await startFixture({ SHUTDOWN_DEADLINE_MS: String(deadlineMs), FIXTURE_WORK_MS: String(workMs) });
    running = service;

    const keepAlive = new Agent({ keepAlive: true, maxSockets: clients });
    let sigtermAt = 0;
    let stop = false;
    let sent = 0;
    const results: { id: string; outcome: Outcome; sentAt: number; doneAt: number; client: string }[] = [];
    void service.exited.then(() => (stop = true));

    const client = async (index: number) => {
      const kind = (['keep-alive', 'new-connection', 'keep-alive-think'] as const)[index % 3];
      const agent = kind === 'new-connection' ? false : keepAlive;
      for (let n = 0; !stop && sent < maxRequests; n++) {
        if (kind === 'keep-alive-think' && n > 0) await sleep(Math.floor(Math.random() * 100));
        const id = `load-${index}-${n}`;
        const sentAt = Date.now();
        sent++;
        const outcome = await get(`${service.url}/work`, id, agent);
        results.push({ id, outcome, sentAt, doneAt: Date.now(), client: kind });
        // After a refusal the listener is gone for good: this client is done.
        if (outcome.kind === 'error' && outcome.code === 'ECONNREFUSED') break;
      }
    };
    const load = Promise.all(Array.from({ length: clients }, (_, index) => client(index)));

    await sleep(loadBeforeSignalMs);
    sigtermAt = Date.now();
    service.child.kill('SIGTERM');
    const exit = await service.exited;
    await load;
    keepAlive.destroy();

    // What the server accepted: every request it began to handle logged 'work started' with its id.
    const accepted = new Set(service.logs.filter((l) => l.msg === 'work started').map((l) => String(l.req?.id)));
    const byKind = {
      completed: results.filter((r) => r.outcome.kind === 'completed' && r.outcome.status === 200),
      refusedAfterClose: results.filter((r) => r.outcome.kind === 'error' && r.outcome.code === 'ECONNREFUSED' && r.sentAt >= sigtermAt),
      // Reset before the server ever saw the request (checked against its log): a new connection whose
      // request was not read yet when the listener closed (accept queue, or accepted but unread and so
      // idle to server.close()), or a keep-alive socket closed as idle just as the client wrote on it
      // (the race RFC 9112 §9.3.1 leaves to client retries).
      resetNotAccepted: results.filter(
        (r) => r.outcome.kind === 'error' && r.outcome.code !== 'ECONNREFUSED' && !r.outcome.gotResponseHead && !accepted.has(r.id),
      ),
    };
    const failed = results.filter((r) => !byKind.completed.includes(r) && !byKind.refusedAfterClose.includes(r) && !byKind.resetNotAccepted.includes(r));
    const counts = {
      sent,
      completed: byKind.completed.length,
      refusedAfterClose: byKind.refusedAfterClose.length,
      resetNotAccepted: byKind.resetNotAccepted.length,
      failed: failed.length,
      acceptedByServer: accepted.size,
      inFlightAtSigtermCompleted: byKind.completed.filter((r) => r.sentAt < sigtermAt && r.doneAt > sigtermAt).length,
      exitCode: exit.code,
      sigtermToExitMs: exit.at - sigtermAt,
    };
    console.log(`shutdown under load (${clients} clients, ${workMs}ms route, deadline ${deadlineMs}ms): ${JSON.stringify(counts)}`);
    const describe = (r: (typeof results)[number]) => ({ id: r.id, client: r.client, outcome: r.outcome, sentMsAfterSigterm: r.sentAt - sigtermAt });
    if (byKind.resetNotAccepted.length > 0) console.log(`reset, not accepted: ${JSON.stringify(byKind.resetNotAccepted.map(describe))}`);
    if (failed.length > 0) console.log(`failed requests: ${JSON.stringify(failed.slice(0, 10).map(describe))}`);

    expect(failed).toEqual([]);
    expect(counts.sent).toBe(results.length);
    expect(counts.completed + counts.refusedAfterClose + counts.resetNotAccepted).toBe(counts.sent);
    // Every request the server accepted got a complete 200 answer (no 5xx, no cut-off body).
    const completedIds = new Set(byKind.completed.map((r) => r.id));
    expect([...accepted].filter((id) => !completedIds.has(id))).toEqual([]);
    expect(byKind.completed.every((r) => r.outcome.kind === 'completed' && JSON.parse(r.outcome.body).id === r.id)).toBe(true);
    // The load really overlapped the shutdown: requests were in flight at SIGTERM and new ones were refused.
    expect(service.logs.find((l) => l.msg === 'shutting down: not ready, no new connections, draining')?.inFlight).toBeGreaterThan(0);
    expect(counts.refusedAfterClose).toBeGreaterThan(0);
    // Only requests racing the moment the listener closed can be reset: at most one per client.
    expect(counts.resetNotAccepted).toBeLessThanOrEqual(clients);
    expect(counts.completed).toBeGreaterThan(clients);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(counts.sigtermToExitMs).toBeLessThan(deadlineMs);
    expect(service.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['fixture hook ran', 'shutdown complete']));
  });

  it('exits 1 when a request is still in flight at the deadline', async () => {
    const deadlineMs = 300;
    const service = await startFixture({ SHUTDOWN_DEADLINE_MS: String(deadlineMs), FIXTURE_WORK_MS: '10000' });
    running = service;
    const answer = get(`${service.url}/work`, 'too-slow', false);
    await service.waitForLog('work started');
    const sigtermAt = Date.now();
    service.child.kill('SIGTERM');
    const exit = await service.exited;
    console.log(`deadline test: exit code ${exit.code} after ${exit.at - sigtermAt}ms (deadline ${deadlineMs}ms)`);
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.at - sigtermAt).toBeGreaterThanOrEqual(deadlineMs - 20);
    expect(exit.at - sigtermAt).toBeLessThan(deadlineMs + 2000);
    expect(await answer).toMatchObject({ kind: 'error', gotResponseHead: false });
    expect(service.logs.find((l) => l.level === 'error')).toMatchObject({
      msg: 'shutdown deadline passed with requests in flight; closing their connections',
      outstanding: 1,
    });
    // Hooks do not run after the deadline: the process had no time left to give them.
    expect(service.logs.map((l) => l.msg)).not.toContain('fixture hook ran');
  });
});

describe('configuration errors stop the process', () => {
  it('exits non-zero naming each bad variable on stderr, before listening', async () => {
    const port = await freePort();
    const service = launch(process.execPath, [fixture], port, { PORT: 'abc', FIXTURE_GREETING: '' });
    running = service;
    const exit = await service.exited;
    expect(exit.code).toBe(1);
    expect(service.stderr()).toContain("shutdown-fixture: invalid configuration: PORT: expected an integer 1-65535, got 'abc'");
    expect(service.stderr()).toContain('shutdown-fixture: invalid configuration: FIXTURE_GREETING: required');
    expect(service.logs).toEqual([]);
  });
});

// Node as PID 1 (a container without an init): the kernel applies no default action to signals
// the init process has no handler for, so without explicit handlers SIGTERM would do nothing.
// A new PID namespace (unshare, needs root) reproduces exactly that situation.
function canUsePidNamespaces(): boolean {
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', 'echo $$'], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim() === '1';
}
const pidNamespaces = canUsePidNamespaces();
const describeWithPidNamespaces = pidNamespaces ? describe : describe.skip;
if (!pidNamespaces) console.warn('PID 1 tests skipped: `unshare --pid` is not permitted here (needs root)');

/** The host pid of the process unshare forked into the new namespace. */
async function childPidOf(pid: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const children = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() : '';
    if (children !== '') return Number(children.split(' ')[0]);
    await sleep(20);
  }
  throw new Error(`unshare (${pid}) started no child`);
}

describeWithPidNamespaces('running as PID 1', () => {
  it('a plain Node process as PID 1 ignores SIGTERM (why the kit installs handlers)', async () => {
    const port = await freePort();
    const plain = launch('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, '-e', 'setInterval(() => {}, 1000)'], port, {});
    running = plain;
    const nodePid = await childPidOf(plain.child.pid as number);
    await sleep(200);
    process.kill(nodePid, 'SIGTERM');
    const stillRunning = await Promise.race([plain.exited.then(() => false), sleep(700).then(() => true)]);
    expect(stillRunning).toBe(true);
    process.kill(nodePid, 'SIGKILL');
    await plain.exited;
  });

  it('a kit service as PID 1 drains and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const service = launch('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, fixture], port, {});
    running = service;
    const listening = await service.waitForLog('listening');
    expect(listening.pid).toBe(1);
    const answer = get(`${service.url}/work`, 'pid1-request', false);
    await service.waitForLog('work started');
    process.kill(await childPidOf(service.child.pid as number), 'SIGTERM');
    expect(await answer).toMatchObject({ kind: 'completed', status: 200 });
    const exit = await service.exited;
    expect(exit.code).toBe(0);
    expect(service.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['fixture hook ran', 'shutdown complete']));
  });
});

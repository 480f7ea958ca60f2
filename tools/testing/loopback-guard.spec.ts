import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const guard = path.join(__dirname, 'loopback-guard.cjs');
const { isLoopback } = require(guard) as { isLoopback(host: string | undefined): boolean };

/**
 * Runs a script with the guard preloaded inside a fresh network namespace that has only
 * loopback, so that even a broken guard could not send a packet anywhere.
 */
function runGuarded(script: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'netguard-'));
  const report = path.join(dir, 'report.jsonl');
  const run = spawnSync(
    'unshare',
    ['--map-root-user', '--net', 'sh', '-c', 'ip link set lo up 2>/dev/null; exec "$0" --require "$1" -e "$2"', process.execPath, guard, script],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', SHIPYARD_NETGUARD_REPORT: report }, timeout: 20_000 },
  );
  let attempts: { what: string; target: string }[] = [];
  try {
    attempts = readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    // no report file: nothing was refused
  }
  rmSync(dir, { recursive: true, force: true });
  if (run.error) throw run.error;
  return { stdout: run.stdout.trim(), stderr: run.stderr, status: run.status, attempts };
}

describe('loopback guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['10.0.0.1', false],
    ['169.254.169.254', false],
    ['192.0.2.1', false],
    ['::ffff:10.0.0.1', false],
    ['fe80::1', false],
    ['dc.services.visualstudio.com', false],
  ])('isLoopback(%s) = %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });

  it('refuses a TCP connect beyond loopback before any packet leaves, and reports it', () => {
    const r = runGuarded(`
      const s = require('net').connect(80, '192.0.2.1');
      s.on('error', (e) => { console.log(e.code); process.exit(0); });
      s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
    `);
    expect(r.stdout).toBe('ENETGUARD');
    expect(r.attempts).toEqual([expect.objectContaining({ what: 'connect', target: '192.0.2.1:80' })]);
  });

  it('refuses fetch to the cloud metadata endpoint and DNS lookups of other names', () => {
    const r = runGuarded(`
      (async () => {
        const out = [];
        await fetch('http://169.254.169.254/metadata/instance').catch((e) => out.push(e.cause?.code ?? e.code));
        await require('dns').promises.lookup('example.invalid').catch((e) => out.push(e.code));
        console.log(out.join(','));
      })();
    `);
    expect(r.stdout).toBe('ENETGUARD,ENETGUARD');
    expect(r.attempts.map((a) => a.target)).toEqual(['169.254.169.254:80', 'example.invalid']);
  });

  it('lets loopback traffic through untouched', () => {
    const r = runGuarded(`
      const http = require('http');
      const server = http.createServer((_q, s) => s.end('pong')).listen(0, '127.0.0.1', async () => {
        const res = await fetch('http://localhost:' + server.address().port + '/');
        console.log(await res.text());
        server.close();
      });
    `);
    expect(r.stdout).toBe('pong');
    expect(r.attempts).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main, parseArguments } from './bootstrap.cjs';
import { planEngine, startDockerd, parseOsRelease, removeStaleEnginePidFiles } from './machine.cjs';
import { ensurePinnedNode, integrityOf, npmPack, VERIFIED_MARKER } from './node-runtime.cjs';
import { BootstrapExit } from './progress.cjs';

const debian = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
const ubuntu = parseOsRelease('ID=ubuntu\nID_LIKE=debian\n');
const fedora = parseOsRelease('ID=fedora\n');

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'shipyard-bootstrap-'));
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(work, { recursive: true, force: true });
});

/**
 * A workspace whose .nvmrc pins a Node that is not the running one, and a tarball standing in for
 * the npm package: its bin/node is a script that records how it was started.
 */
function fakeWorkspace(version = '99.1.2') {
  const root = path.join(work, 'repo');
  mkdirSync(path.join(root, 'tools', 'bootstrap'), { recursive: true });
  writeFileSync(path.join(root, '.nvmrc'), `${version}\n`);
  const pkg = path.join(work, 'pkg', 'package', 'bin');
  mkdirSync(pkg, { recursive: true });
  const record = path.join(work, 'started.json');
  writeFileSync(
    path.join(pkg, 'node'),
    `#!/bin/sh\nprintf '{"argv":"%s","path":"%s","marker":"%s"}' "$*" "$PATH" "$SHIPYARD_BOOTSTRAP_NODE" > '${record}'\nexit 7\n`,
  );
  chmodSync(path.join(pkg, 'node'), 0o755);
  const tarball = path.join(work, 'node-fake.tgz');
  execFileSync('tar', ['-czf', tarball, '-C', path.join(work, 'pkg'), 'package']);
  const pins = (integrity: string) =>
    writeFileSync(
      path.join(root, 'tools', 'bootstrap', 'pins.json'),
      JSON.stringify({ node: { version, packages: { [`${process.platform}-${process.arch}`]: { name: 'node-fake', integrity } } }, npm: { version: '0', integrity: '' } }),
    );
  const fetched: string[] = [];
  const fetchTarball = async (spec: string, dir: string) => {
    fetched.push(spec);
    const target = path.join(dir, 'node-fake.tgz');
    writeFileSync(target, readFileSync(tarball));
    return target;
  };
  return { root, version, tarball, record, pins, fetched, fetchTarball, cacheDir: path.join(work, 'cache') };
}

describe('bootstrap: the pinned Node', () => {
  it('fetches, verifies and caches the pinned Node when another one runs, then re-runs itself under it', async () => {
    const ws = fakeWorkspace();
    ws.pins(integrityOf(ws.tarball));
    const argv = ['start', '--', 'echo', 'hello'];
    const code = await main(argv, { root: ws.root, env: { PATH: '/usr/bin:/bin', SHIPYARD_CACHE: ws.cacheDir }, fetchTarball: ws.fetchTarball });

    const nodeDir = path.join(ws.cacheDir, 'node', ws.version);
    expect(ws.fetched).toEqual([`node-fake@${ws.version}`]);
    expect(code).toBe(7); // the re-run's exit code is passed through
    const started = JSON.parse(readFileSync(ws.record, 'utf8')) as { argv: string; path: string; marker: string };
    expect(started.argv).toBe(`${path.join(__dirname, 'bootstrap.cjs')} start -- echo hello`);
    expect(started.path.split(':')[0]).toBe(path.join(nodeDir, 'bin'));
    expect(started.marker).toBe('1');
    expect(readFileSync(path.join(nodeDir, VERIFIED_MARKER), 'utf8').trim()).toBe(integrityOf(ws.tarball));
  });

  it('uses the verified cache without fetching again', async () => {
    const ws = fakeWorkspace();
    ws.pins(integrityOf(ws.tarball));
    await ensurePinnedNode({ root: ws.root, cacheDir: ws.cacheDir, fetchTarball: ws.fetchTarball });
    await ensurePinnedNode({ root: ws.root, cacheDir: ws.cacheDir, fetchTarball: ws.fetchTarball });
    expect(ws.fetched).toHaveLength(1);
  });

  it('refuses a download whose digest is not the pinned one, naming both, and leaves nothing in the cache', async () => {
    const ws = fakeWorkspace();
    const pinned = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
    ws.pins(pinned);
    const failure = ensurePinnedNode({ root: ws.root, cacheDir: ws.cacheDir, fetchTarball: ws.fetchTarball });
    await expect(failure).rejects.toMatchObject({ exitCode: BootstrapExit.nodeTampered });
    await expect(failure).rejects.toThrow(`expected ${pinned}`);
    await expect(failure).rejects.toThrow(`actual   ${integrityOf(ws.tarball)}`);
    expect(readdirSync(path.join(ws.cacheDir, 'node'))).toEqual([]);
  });

  it('never trusts a half-written cache entry (no verified marker, as after Ctrl-C): fetches again', async () => {
    const ws = fakeWorkspace();
    ws.pins(integrityOf(ws.tarball));
    const half = path.join(ws.cacheDir, 'node', ws.version, 'bin');
    mkdirSync(half, { recursive: true });
    writeFileSync(path.join(half, 'node'), 'truncated');
    const dir = await ensurePinnedNode({ root: ws.root, cacheDir: ws.cacheDir, fetchTarball: ws.fetchTarball });
    expect(ws.fetched).toHaveLength(1);
    expect(readFileSync(path.join(dir, 'bin', 'node'), 'utf8')).toContain('#!/bin/sh');
  });

  it('names the npm registry and the pinned version when the download fails, and leaves no temporary folder', async () => {
    const ws = fakeWorkspace();
    ws.pins(integrityOf(ws.tarball));
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'npm'), '#!/bin/sh\necho "npm error code ENOTFOUND" >&2\nexit 1\n');
    chmodSync(path.join(bin, 'npm'), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      const failure = ensurePinnedNode({ root: ws.root, cacheDir: ws.cacheDir, fetchTarball: npmPack });
      await expect(failure).rejects.toMatchObject({ exitCode: BootstrapExit.nodeUnavailable });
      await expect(failure).rejects.toThrow(/could not fetch Node 99\.1\.2 from the npm registry[\s\S]*ENOTFOUND/);
    } finally {
      process.env.PATH = saved;
    }
    expect(readdirSync(path.join(ws.cacheDir, 'node'))).toEqual([]);
  });

  it('refuses a pin file that does not match .nvmrc', async () => {
    const ws = fakeWorkspace();
    ws.pins(integrityOf(ws.tarball));
    writeFileSync(path.join(ws.root, '.nvmrc'), '98.0.0\n');
    await expect(ensurePinnedNode({ root: ws.root, cacheDir: ws.cacheDir, fetchTarball: ws.fetchTarball })).rejects.toThrow(/pins Node 99\.1\.2 but \.nvmrc says 98\.0\.0/);
  });

  it("the repository's own pins match .nvmrc and packageManager", () => {
    const root = path.resolve(__dirname, '..', '..');
    const pins = JSON.parse(readFileSync(path.join(__dirname, 'pins.json'), 'utf8')) as { node: { version: string; packages: Record<string, { integrity: string }> }; npm: { version: string } };
    expect(pins.node.version).toBe(readFileSync(path.join(root, '.nvmrc'), 'utf8').trim());
    expect(`npm@${pins.npm.version}`).toBe((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { packageManager: string }).packageManager);
    for (const entry of Object.values(pins.node.packages)) expect(entry.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });
});

describe('bootstrap: the Docker engine', () => {
  const base = { platform: 'linux', uid: 0, osRelease: debian, dockerInfoOk: false, dockerdInstalled: false, noInstall: false };

  it.each([
    ['an engine answers', { dockerInfoOk: true, uid: 1000, platform: 'darwin' }, 'use'],
    ['installed, stopped, root', { dockerdInstalled: true }, 'start'],
    ['not installed, Debian, root', {}, 'install'],
    ['not installed, Ubuntu, root', { osRelease: ubuntu }, 'install'],
  ])('%s → %s', (_name, facts, action) => {
    expect(planEngine({ ...base, ...facts })).toEqual({ action });
  });

  it.each([
    ['macOS', { platform: 'darwin', uid: 501 }, /Docker Desktop \(or colima/],
    ['Windows', { platform: 'win32', uid: -1 }, /Docker Desktop with the WSL 2 backend/],
    ['installed but stopped, not root', { dockerdInstalled: true, uid: 1000 }, /sudo systemctl start docker/],
    ['not installed, Debian, not root', { uid: 1000 }, /installing needs root\)\. Install `sudo apt-get install -y docker\.io docker-registry skopeo debootstrap`/],
    ['not installed, SHIPYARD_NO_INSTALL=1', { noInstall: true }, /SHIPYARD_NO_INSTALL=1: installing is switched off/],
    ['not installed, not Debian', { osRelease: fedora }, /docs\.docker\.com\/engine\/install/],
  ])('%s → stops before any work, says what to do, distinct exit code', (_name, facts, message) => {
    const plan = planEngine({ ...base, ...facts }) as { action: string; exitCode: number; message: string };
    expect(plan.action).toBe('fail');
    expect(plan.exitCode).toBe(BootstrapExit.dockerMissing);
    expect(plan.message).toMatch(message);
  });

  it('an engine that cannot start: its last log lines and what to do, not a hang', async () => {
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\nexit 1\n');
    writeFileSync(path.join(bin, 'dockerd'), '#!/bin/sh\necho "failed to mount overlay: operation not permitted" >&2\nexit 1\n');
    for (const f of ['docker', 'dockerd']) chmodSync(path.join(bin, f), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      const failure = startDockerd(work, { timeoutMs: 20_000, runDir: path.join(work, 'run') });
      await expect(failure).rejects.toMatchObject({ exitCode: BootstrapExit.dockerWontStart });
      await expect(failure).rejects.toThrow(/exited \(code 1\)[\s\S]*operation not permitted[\s\S]*Typical causes/);
    } finally {
      process.env.PATH = saved;
    }
    expect(existsSync(path.join(work, 'docker', 'dockerd.log'))).toBe(true);
  });

  it('pid files an earlier boot left behind are removed; a live engine\'s are kept', () => {
    const run = path.join(work, 'run');
    mkdirSync(path.join(run, 'docker', 'containerd'), { recursive: true });
    const write = (file: string, text: string) => writeFileSync(path.join(run, file), text);
    const names: Record<number, string> = { 100: 'dockerd', 200: 'containerd', 300: 'npm' };
    const nameOf = (pid: number) => names[pid] ?? null;

    // After a reboot the recorded pid belongs to another program (or to nothing): both go.
    write('docker.pid', '4242');
    write('docker/containerd/containerd.pid', '300');
    expect(removeStaleEnginePidFiles(run, nameOf).map((f) => path.relative(run, f))).toEqual(['docker.pid', path.join('docker', 'containerd', 'containerd.pid')]);
    expect(existsSync(path.join(run, 'docker.pid'))).toBe(false);

    // A running engine's own processes: nothing is touched.
    write('docker.pid', '100\n');
    write('docker/containerd/containerd.pid', '200');
    expect(removeStaleEnginePidFiles(run, nameOf)).toEqual([]);
    expect(existsSync(path.join(run, 'docker', 'containerd', 'containerd.pid'))).toBe(true);

    // Garbage in a pid file is stale too; a missing run directory is nothing to do.
    write('docker.pid', 'not a pid');
    expect(removeStaleEnginePidFiles(run, nameOf)).toEqual([path.join(run, 'docker.pid')]);
    expect(removeStaleEnginePidFiles(path.join(work, 'absent'), nameOf)).toEqual([]);
  });
});

describe('bootstrap: arguments', () => {
  it('takes a known profile, then -- and the command', () => {
    expect(parseArguments(['test', '--', 'nx', 'run-many'])).toEqual({ profile: 'test', command: 'nx', args: ['run-many'] });
  });
  it.each([[[]], [['deploy', '--', 'x']], [['test', 'nx']], [['test', '--']]])('refuses %j with the usage line', (argv) => {
    expect(() => parseArguments(argv)).toThrow(/usage: bootstrap\.cjs <start\|rehearse\|test> -- <command>/);
  });
});

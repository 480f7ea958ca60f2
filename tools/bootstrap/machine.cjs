'use strict';
// What the machine must provide besides Node: Debian packages and a running Docker engine.
// The decisions are pure functions of injected facts (platform, uid, os-release, `docker info`),
// so every platform case is unit-tested without touching the machine.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { BootstrapError, BootstrapExit, lastLines, runWithHeartbeat, say } = require('./progress.cjs');

/** Debian packages per purpose, with the reason printed when they are installed. */
const PACKAGES = Object.freeze({
  engine: { packages: ['docker.io'], why: 'the Docker engine that builds and runs the images' },
  rehearsal: { packages: ['docker-registry', 'skopeo', 'debootstrap', 'ca-certificates', 'iproute2', 'openssl'], why: 'the local OCI registry, image inspection and the offline base images' },
  browser: { packages: ['chromium'], why: 'headless Chromium for the browser tests' },
  checks: { packages: ['shellcheck'], why: 'ShellCheck for the Azure set-up script' },
  cluster: { packages: ['containerd', 'runc', 'containernetworking-plugins', 'iptables', 'socat'], why: 'the local Kubernetes node (container runtime, pod network, Service routing, API forwarding)' },
});

/** The dockerd flags the project needs: loopback only, no bridge, no NAT, no iptables rules. */
const DOCKERD_ARGS = Object.freeze(['--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false']);

function parseOsRelease(text) {
  const fields = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
    if (match) fields[match[1]] = match[3];
  }
  return fields;
}

function isDebianLike(osRelease) {
  const ids = `${osRelease.ID ?? ''} ${osRelease.ID_LIKE ?? ''}`.split(/\s+/);
  return ids.includes('debian') || ids.includes('ubuntu');
}

/**
 * What to do about the Docker engine, given the facts. Returns
 * { action: 'use' | 'start' | 'install' | 'fail', exitCode?, message? }.
 */
function planEngine(facts) {
  if (facts.dockerInfoOk) return { action: 'use' };
  const linux = facts.platform === 'linux';
  const root = facts.uid === 0;
  if (facts.platform === 'darwin' || facts.platform === 'win32') {
    const product = facts.platform === 'darwin' ? 'Docker Desktop (or colima: `brew install colima docker && colima start`)' : 'Docker Desktop with the WSL 2 backend';
    return {
      action: 'fail',
      exitCode: BootstrapExit.dockerMissing,
      message: `no Docker engine answers (\`docker info\` failed). shipyard builds and runs images with a local engine: install and start ${product}, then run the command again.`,
    };
  }
  if (facts.dockerdInstalled) {
    if (linux && root) return { action: 'start' };
    return {
      action: 'fail',
      exitCode: BootstrapExit.dockerMissing,
      message: 'a Docker engine is installed but not running, and starting it needs root: run `sudo systemctl start docker` (or `sudo dockerd --bridge=none --iptables=false &`), or add yourself to the docker group, then run the command again.',
    };
  }
  const debian = linux && isDebianLike(facts.osRelease ?? {});
  if (debian && root && !facts.noInstall) return { action: 'install' };
  const how = debian ? '`sudo apt-get install -y docker.io docker-registry skopeo debootstrap`' : "your distribution's Docker engine package (https://docs.docker.com/engine/install/)";
  const why = facts.noInstall ? ' (SHIPYARD_NO_INSTALL=1: installing is switched off)' : root ? '' : ' (installing needs root)';
  return {
    action: 'fail',
    exitCode: BootstrapExit.dockerMissing,
    message: `no Docker engine is installed${why}. Install ${how}, start it, then run the command again.`,
  };
}

/** The real facts of this machine. */
function machineFacts(env = process.env) {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  let osRelease = {};
  try {
    osRelease = parseOsRelease(fs.readFileSync('/etc/os-release', 'utf8'));
  } catch {
    // not Linux, or a minimal system without os-release
  }
  return {
    platform: process.platform,
    uid: typeof process.getuid === 'function' ? process.getuid() : -1,
    osRelease,
    dockerInfoOk: info.status === 0,
    dockerdInstalled: commandExists('dockerd'),
    noInstall: env.SHIPYARD_NO_INSTALL === '1',
  };
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function missingPackages(names) {
  return names.filter((name) => spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
}

/**
 * Installs the Debian packages of the given purposes that are missing, one line saying what and
 * why. Only where that is possible (Debian/Ubuntu, root, installing not switched off); elsewhere
 * returns the missing ones so the caller can say what to do.
 */
async function ensurePackages(purposes, facts) {
  if (facts.platform !== 'linux' || !isDebianLike(facts.osRelease)) return [];
  const wanted = purposes.map((purpose) => PACKAGES[purpose]);
  const missing = missingPackages(wanted.flatMap((w) => w.packages));
  if (missing.length === 0) return [];
  if (facts.uid !== 0 || facts.noInstall) return missing;
  const reasons = wanted.filter((w) => w.packages.some((p) => missing.includes(p))).map((w) => w.why);
  say(`installing Debian packages ${missing.join(', ')} (${reasons.join('; ')}): apt-get, a minute or two…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await runWithHeartbeat('apt-get update', 'apt-get', ['update', '-qq'], { env });
  if (update.code !== 0) throw new BootstrapError(`apt-get update failed:\n${lastLines(update.output)}`, BootstrapExit.packagesFailed);
  // An install interrupted earlier (Ctrl-C) leaves dpkg half-configured: finish that first.
  await runWithHeartbeat('dpkg --configure -a', 'dpkg', ['--configure', '-a'], { env });
  const install = await runWithHeartbeat(`apt-get install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  if (install.code !== 0) throw new BootstrapError(`apt-get install ${missing.join(' ')} failed:\n${lastLines(install.output)}`, BootstrapExit.packagesFailed);
  return [];
}

/**
 * Pid files an engine from an earlier boot leaves under /var/run when the machine's disk outlives
 * its processes (a restored VM or container). After a reboot the pid may belong to another
 * process; dockerd then reports "containerd is still running", waits for a socket no one opens,
 * and gives up with "timeout waiting for containerd to start".
 */
const ENGINE_PID_FILES = Object.freeze([
  { file: 'docker.pid', program: 'dockerd' },
  { file: 'docker/containerd/containerd.pid', program: 'containerd' },
]);

function processName(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Removes the engine pid files under runDir whose pid is not a live process of the program they name. */
function removeStaleEnginePidFiles(runDir = '/var/run', nameOf = processName) {
  const removed = [];
  for (const { file, program } of ENGINE_PID_FILES) {
    const full = path.join(runDir, file);
    let text;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch {
      continue;
    }
    const pid = /^\s*(\d+)\s*$/.exec(text)?.[1];
    if (pid !== undefined && nameOf(Number(pid)) === program) continue;
    fs.rmSync(full, { force: true });
    removed.push(full);
  }
  return removed;
}

/** Starts dockerd the way the project needs it (loopback only) and waits until `docker info` answers. */
async function startDockerd(cacheDir, { timeoutMs = 60_000, runDir = '/var/run' } = {}) {
  const logFile = path.join(cacheDir, 'docker', 'dockerd.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const stale = removeStaleEnginePidFiles(runDir);
  if (stale.length > 0) say(`removed pid files an earlier boot left behind (their processes are gone): ${stale.join(', ')}`);
  say(`starting the Docker engine (dockerd ${DOCKERD_ARGS.join(' ')}; log ${logFile})…`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn('dockerd', [...DOCKERD_ARGS], { detached: true, stdio: ['ignore', out, out], env: process.env });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const started = Date.now();
  let lastSaid = started;
  while (Date.now() - started < timeoutMs) {
    if (spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000, env: process.env }).status === 0) return;
    if (exited !== null) break;
    if (Date.now() - lastSaid >= 10_000) {
      say(`waiting for the Docker engine… (${Math.round((Date.now() - started) / 1000)} s)`);
      lastSaid = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const tail = fs.existsSync(logFile) ? lastLines(fs.readFileSync(logFile, 'utf8'), 12) : '(no log)';
  throw new BootstrapError(
    `the Docker engine ${exited !== null ? `exited (code ${exited})` : `did not answer within ${timeoutMs / 1000} s`}. Last lines of ${logFile}:\n${tail}\n` +
      'Typical causes: no privileges for cgroups or mounts (a container without --privileged), another dockerd holding /var/run/docker.sock, or a storage driver the kernel lacks. Fix that, or start an engine yourself, then run the command again.',
    BootstrapExit.dockerWontStart,
  );
}

/** Makes sure a Docker engine answers: uses, starts or installs one, or stops with what to do. */
async function ensureDockerEngine(cacheDir, facts = machineFacts()) {
  const plan = planEngine(facts);
  if (plan.action === 'use') return 'running';
  if (plan.action === 'fail') throw new BootstrapError(plan.message, plan.exitCode);
  if (plan.action === 'install') {
    const left = await ensurePackages(['engine', 'rehearsal'], facts);
    if (left.length > 0) throw new BootstrapError(`could not install ${left.join(', ')}`, BootstrapExit.packagesFailed);
  }
  await startDockerd(cacheDir);
  return plan.action === 'install' ? 'installed and started' : 'started';
}

module.exports = { commandExists, PACKAGES, DOCKERD_ARGS, parseOsRelease, isDebianLike, planEngine, machineFacts, ensurePackages, ensureDockerEngine, startDockerd, removeStaleEnginePidFiles };

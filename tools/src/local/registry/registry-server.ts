import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../../cli/errors';
import { basicAuthorization, dockerLogin, dockerLogout, type RegistryCredential } from '../../images/docker-login';
import { ensureRegistryCredential, registryCredential, storedRegistryCredential } from './registry-auth';
import { ensureRegistryCertificate } from './registry-tls';
import { type RegistryAddress, type RegistryLayout, registryUrl, renderRegistryConfig } from './registry-settings';

export interface RegistryStatus {
  running: boolean;
  url: string;
  address: string;
  pid: number | null;
  caFile: string;
  credentialFile: string;
  dataDir: string;
  logFile: string;
}

type Log = (line: string) => void;

/**
 * Answers whether the registry API at `address` responds 200 over TLS verified against our CA,
 * signed in with `authorization` (a Basic header) when given.
 */
export function probeRegistry(address: RegistryAddress, caPem: string, authorization?: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      {
        host: address.host,
        port: address.port,
        path: '/v2/',
        ca: caPem,
        timeout: timeoutMs,
        agent: false,
        headers: authorization ? { authorization } : {},
      },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

function portIsTaken(address: RegistryAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The pid in our pid file, but only while it is still *our* registry: a pid file left by a
 * crash may name a recycled pid that belongs to something else, which must never be signalled.
 */
function ownedRegistryPid(layout: RegistryLayout): number | null {
  if (!fs.existsSync(layout.pidFile)) return null;
  const pid = Number(fs.readFileSync(layout.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg.endsWith('docker-registry')) && cmdline.includes(layout.configFile) ? pid : null;
  } catch {
    return null;
  }
}

function readCa(layout: RegistryLayout): string {
  return fs.existsSync(layout.certFile) ? fs.readFileSync(layout.certFile, 'utf8') : '';
}

/** The Basic header of the registry's own credential, or undefined before the first `up` made one. */
function ownAuthorization(layout: RegistryLayout): string | undefined {
  const credential = storedRegistryCredential(layout);
  return credential ? basicAuthorization(credential) : undefined;
}

export async function registryStatus(address: RegistryAddress, layout: RegistryLayout): Promise<RegistryStatus> {
  const pid = ownedRegistryPid(layout);
  const ca = readCa(layout);
  const running = pid !== null && ca !== '' && (await probeRegistry(address, ca, ownAuthorization(layout)));
  return {
    running,
    url: registryUrl(address),
    address: address.hostPort,
    pid: running ? pid : null,
    caFile: layout.certFile,
    credentialFile: layout.credentialFile,
    dataDir: layout.dataDir,
    logFile: layout.logFile,
  };
}

function logTail(layout: RegistryLayout): string {
  if (!fs.existsSync(layout.logFile)) return '';
  return fs.readFileSync(layout.logFile, 'utf8').trim().split('\n').slice(-10).join('\n');
}

/**
 * Starts Debian's docker-registry on `address` over HTTPS, unless ours already answers there
 * with the configuration this version writes (one started with another is restarted), and logs
 * Docker in to it. Data, certificate, credential, config, log and pid file live under `layout.root`.
 */
export async function startRegistry(
  address: RegistryAddress,
  layout: RegistryLayout,
  log: Log,
  options: { dryRun?: boolean } = {},
): Promise<RegistryStatus> {
  let current = await registryStatus(address, layout);
  const config = renderRegistryConfig(address, layout);
  const configCurrent = fs.existsSync(layout.configFile) && fs.readFileSync(layout.configFile, 'utf8') === config;
  if (current.running && configCurrent) {
    log(`registry already running at ${current.url} (pid ${current.pid})`);
    if (!options.dryRun) await loginDocker(address, registryCredential(layout), log);
    return current;
  }
  if (current.running) {
    if (options.dryRun) {
      log(`would restart the registry (pid ${current.pid}): its configuration changed`);
      return current;
    }
    log(`restarting the registry (pid ${current.pid}): its configuration changed`);
    await stopRegistry(address, layout, log);
    current = await registryStatus(address, layout);
  }
  if (ownedRegistryPid(layout) !== null) {
    throw new CliError(
      `a registry process from ${layout.pidFile} is alive but does not answer on ${current.url}; run \`shipyard registry down\` first`,
      ExitCode.environment,
    );
  }
  if (await portIsTaken(address)) {
    throw new CliError(`${address.hostPort} is already in use by another process; pick another --address`, ExitCode.environment);
  }
  if (options.dryRun) {
    log(`would start docker-registry on ${current.url} with data in ${layout.dataDir}`);
    return current;
  }
  fs.mkdirSync(layout.dataDir, { recursive: true });
  if (await ensureRegistryCertificate(layout, address.host)) log(`created self-signed certificate ${layout.certFile}`);
  const { credential, created } = ensureRegistryCredential(layout);
  if (created) log(`created the registry's login (user ${credential.username}) in ${layout.credentialFile}`);
  fs.writeFileSync(layout.configFile, config);

  const logFd = fs.openSync(layout.logFile, 'a');
  const child = spawn('docker-registry', ['serve', layout.configFile], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let exitCode: number | null = null;
  child.once('exit', (code) => {
    exitCode = code ?? -1;
  });
  child.unref();

  const ca = readCa(layout);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const failed = await Promise.race([spawnError, sleep(200).then(() => null)]);
    if (failed) {
      throw new CliError(
        `cannot start docker-registry (${failed.message}); install it with \`apt-get install docker-registry\``,
        ExitCode.environment,
      );
    }
    if (exitCode !== null) {
      throw new CliError(`docker-registry exited with ${exitCode} during start-up:\n${logTail(layout)}`, ExitCode.environment);
    }
    if (await probeRegistry(address, ca, basicAuthorization(credential))) {
      fs.writeFileSync(layout.pidFile, `${child.pid}\n`);
      log(`registry started at ${registryUrl(address)} (pid ${child.pid})`);
      await loginDocker(address, credential, log);
      return registryStatus(address, layout);
    }
  }
  child.kill('SIGTERM');
  throw new CliError(`docker-registry did not answer on ${registryUrl(address)} within 15 s:\n${logTail(layout)}`, ExitCode.environment);
}

/**
 * Docker's login to the registry (password on stdin), where docker, buildx, helm and skopeo
 * read it, as they read the one `az acr login` stores in the pipeline.
 */
async function loginDocker(address: RegistryAddress, credential: RegistryCredential, log: Log): Promise<void> {
  await dockerLogin(address.hostPort, credential);
  log(`docker logged in to ${address.hostPort}`);
}

/** Stops our registry (SIGTERM, then SIGKILL after 5 s) and removes Docker's login to it. Data, certificate and credential stay. */
export async function stopRegistry(address: RegistryAddress, layout: RegistryLayout, log: Log, options: { dryRun?: boolean } = {}): Promise<void> {
  const pid = ownedRegistryPid(layout);
  if (pid === null) {
    if (fs.existsSync(layout.pidFile) && !options.dryRun) fs.rmSync(layout.pidFile);
    log('registry is not running');
    return;
  }
  if (options.dryRun) {
    log(`would stop the registry (pid ${pid})`);
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (ownedRegistryPid(layout) === pid && Date.now() < deadline) await sleep(100);
  if (ownedRegistryPid(layout) === pid) process.kill(pid, 'SIGKILL');
  fs.rmSync(layout.pidFile, { force: true });
  await dockerLogout(address.hostPort);
  log(`registry stopped (pid ${pid}); data kept in ${layout.dataDir}`);
}

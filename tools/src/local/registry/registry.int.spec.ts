/**
 * `shipyard registry up|down|status` with the real docker-registry, in a private cache
 * folder and on its own loopback port, so the shared registry on 127.0.0.1:5000 is untouched.
 */
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { basicAuthorization, dockerConfigDir, dockerCredential } from '../../images/docker-login';
import { runCommand } from '../../process/run-command';
import { freePort } from '../../images/testing/containers';
import { workspaceRoot } from '../../workspace/root';
import { certificateCovers } from './registry-tls';

const cli = path.join(workspaceRoot, 'tools', 'bin', 'shipyard.cjs');
let cache: string;
let address: string;

const shipyard = (...args: string[]) =>
  runCommand(process.execPath, [cli, 'registry', ...args], { cwd: workspaceRoot, env: { ...process.env, SHIPYARD_CACHE: cache }, allowExitCodes: [1, 2, 3] });

interface Status {
  running: boolean;
  url: string;
  pid: number | null;
  caFile: string;
  dataDir: string;
}

async function status(): Promise<Status> {
  const result = await shipyard('status', '--address', address, '--json');
  return JSON.parse(result.stdout) as Status;
}

function get(url: string, ca?: string, authorization?: string): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    https
      .get(url, { ca, agent: false, timeout: 2000, headers: authorization ? { authorization } : {} }, (response) => {
        response.resume();
        resolve({ status: response.statusCode });
      })
      .on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

beforeAll(async () => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-registry-'));
  address = `127.0.0.1:${await freePort()}`;
  // `registry up` logs Docker in: into a Docker config of this test's own, not the user's.
  process.env.DOCKER_CONFIG = path.join(cache, 'docker');
});

const credentialFile = () => path.join(cache, 'registry', 'auth', 'credential.json');

afterAll(async () => {
  await shipyard('down', '--address', address);
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('shipyard registry', () => {
  it('is stopped before anything started it', async () => {
    expect(await status()).toMatchObject({ running: false, pid: null, url: `https://${address}` });
  });

  it('starts over HTTPS with a certificate for 127.0.0.1 and prints the CA hint', async () => {
    const result = await shipyard('up', '--address', address);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`NODE_EXTRA_CA_CERTS=${path.join(cache, 'registry', 'tls', 'registry.crt')}`);
    const current = await status();
    expect(current.running).toBe(true);
    const ca = fs.readFileSync(current.caFile, 'utf8');
    expect(certificateCovers(ca, '127.0.0.1')).toBe(true);
    expect(certificateCovers(ca, '127.0.0.9')).toBe(false);
    const login = await dockerCredential(address);
    if (!login) throw new Error(`registry up left Docker without a login to ${address}`);
    expect(await get(`${current.url}/v2/`, ca, basicAuthorization(login))).toEqual({ status: 200 });
    // Without the CA, TLS verification fails: the registry is really serving our certificate.
    expect((await get(`${current.url}/v2/`)).error).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('answers nobody who has not signed in, and logs Docker in with the one credential it keeps (mode 0600, bcrypt in htpasswd)', async () => {
    const { url, caFile } = await status();
    const ca = fs.readFileSync(caFile, 'utf8');
    for (const route of ['/v2/', '/v2/_catalog', '/v2/shipyard-registry-test/tags/list']) expect(await get(`${url}${route}`, ca)).toEqual({ status: 401 });
    expect(await get(`${url}/v2/`, ca, basicAuthorization({ username: 'shipyard', password: 'not-the-password' }))).toEqual({ status: 401 });

    const stored = JSON.parse(fs.readFileSync(credentialFile(), 'utf8')) as { username: string; password: string };
    expect(await dockerCredential(address)).toEqual(stored);
    expect(stored.password.length).toBeGreaterThanOrEqual(32);
    expect(fs.readFileSync(path.join(dockerConfigDir(), 'config.json'), 'utf8')).toContain(address);
    for (const file of [credentialFile(), path.join(cache, 'registry', 'auth', 'htpasswd')]) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const htpasswd = fs.readFileSync(path.join(cache, 'registry', 'auth', 'htpasswd'), 'utf8');
    expect(htpasswd).toMatch(/^shipyard:\$2[aby]\$\d\d\$/);
    expect(htpasswd).not.toContain(stored.password);
  });

  it('restarts a registry that runs with another configuration (one started before it had a login)', async () => {
    const before = await status();
    const configFile = path.join(cache, 'registry', 'config.yml');
    const current = fs.readFileSync(configFile, 'utf8');
    fs.writeFileSync(configFile, current.replace(/auth:[\s\S]*$/, ''));
    const result = await shipyard('up', '--address', address);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('its configuration changed');
    expect(fs.readFileSync(configFile, 'utf8')).toBe(current);
    const after = await status();
    expect(after.running).toBe(true);
    expect(after.pid).not.toBe(before.pid);
  });

  it('is idempotent: a second up keeps the running registry', async () => {
    const before = await status();
    const result = await shipyard('up', '--address', address);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('already running');
    expect((await status()).pid).toBe(before.pid);
  });

  it('stores pushed images under the cache folder', async () => {
    const { dataDir } = await status();
    const target = `${address}/shipyard-registry-test:probe`;
    const rootfs = path.join(cache, 'probe');
    fs.mkdirSync(rootfs);
    fs.writeFileSync(path.join(rootfs, 'probe.txt'), `pushed at ${new Date().toISOString()}\n`);
    await runCommand('tar', ['-C', rootfs, '-cf', `${rootfs}.tar`, '.']);
    await runCommand('docker', ['import', `${rootfs}.tar`, target]);
    await runCommand('docker', ['push', '--quiet', target]);
    await runCommand('docker', ['image', 'rm', target]);
    expect(fs.existsSync(path.join(dataDir, 'docker', 'registry', 'v2', 'repositories', 'shipyard-registry-test'))).toBe(true);
  });

  it('stops, keeps data and certificate, and starts again with the same certificate', async () => {
    const { caFile, dataDir } = await status();
    const certificate = fs.readFileSync(caFile, 'utf8');
    const login = await dockerCredential(address);
    expect((await shipyard('down', '--address', address)).exitCode).toBe(0);
    expect(await status()).toMatchObject({ running: false, pid: null });
    expect(fs.existsSync(dataDir)).toBe(true);
    // Docker's login to a registry that is down is removed with it...
    expect(await dockerCredential(address)).toBeNull();
    expect((await shipyard('up', '--address', address)).exitCode).toBe(0);
    expect(fs.readFileSync(caFile, 'utf8')).toBe(certificate);
    // ...and comes back the same: the credential is kept across restarts.
    expect(await dockerCredential(address)).toEqual(login);
  });

  it('refuses a port another process holds, naming it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = `127.0.0.1:${(blocker.address() as net.AddressInfo).port}`;
    const result = await runCommand(process.execPath, [cli, 'registry', 'up', '--address', taken], {
      cwd: workspaceRoot,
      env: { ...process.env, SHIPYARD_CACHE: fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-registry-busy-')) },
      allowExitCodes: [3],
    });
    blocker.close();
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`${taken} is already in use`);
  });

  it('refuses a non-loopback address', async () => {
    const result = await shipyard('up', '--address', '0.0.0.0:5000');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('loopback');
  });
});

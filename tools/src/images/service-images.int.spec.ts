/**
 * The service images against the real Docker engine: built from the workspace with the
 * local base images, then inspected, run read-only on loopback, stopped under load, pushed
 * to the local registry and pulled back by digest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { workspaceRoot } from '../workspace/root';
import { publicBasePins } from './base-images';
import type { BuiltImage } from './service-images';
import { docker, freePort, imageLayerFiles, largestPackages, loadEveryDependency, removeContainer, startContainer, startSlowRequest, waitFor200, type SlowRequest } from './testing/containers';
import { runCommand } from '../process/run-command';

const apps = ['catalog-api', 'checkout-api', 'storefront'] as const;
type App = (typeof apps)[number];
const registry = '127.0.0.1:5000';
const sourceUrl = 'https://example.invalid/shipyard/images-test.git';
const maxImageBytes = 150e6;
const cli = path.join(workspaceRoot, 'tools', 'bin', 'shipyard.cjs');
const env = { ...process.env, SHIPYARD_BASE_REGISTRY: registry, SHIPYARD_REGISTRY: registry, SHIPYARD_SOURCE_URL: sourceUrl };

const shipyard = (...args: string[]) => runCommand(process.execPath, [cli, ...args], { cwd: workspaceRoot, env, allowExitCodes: [1, 2, 3] });

const cart = JSON.stringify({ items: [{ productId: 'house-espresso-beans', quantity: 2 }, { productId: 'single-origin-kenya', quantity: 1 }] });
/** A request each service has to wait for (its body comes late), to stop the container under. */
const slowRequests: Record<App, SlowRequest> = {
  'catalog-api': { method: 'GET', path: '/products?limit=3', body: JSON.stringify({ note: 'a body the JSON parser waits for' }) },
  'checkout-api': { method: 'POST', path: '/quotes', body: cart },
  storefront: { method: 'POST', path: '/api/checkout/quotes', body: cart },
};

const built = new Map<App, BuiltImage>();
const upstream: { catalog?: string; checkout?: string } = {};

function containerEnv(app: App, port: number): Record<string, string> {
  const common = { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', SHUTDOWN_DEADLINE_MS: '5000' };
  if (app === 'checkout-api') return { ...common, CATALOG_BASE_URL: upstream.catalog ?? '' };
  if (app === 'storefront') return { ...common, CATALOG_BASE_URL: upstream.catalog ?? '', CHECKOUT_BASE_URL: upstream.checkout ?? '' };
  return common;
}

function image(app: App): BuiltImage {
  const found = built.get(app);
  if (!found) throw new Error(`${app} was not built`);
  return found;
}

beforeAll(async () => {
  for (const step of [['registry', 'up'], ['images', 'base']]) {
    const result = await shipyard(...step);
    if (result.exitCode !== 0) throw new Error(`shipyard ${step.join(' ')} failed:\n${result.stderr}`);
  }
  await runCommand(path.join(workspaceRoot, 'node_modules', '.bin', 'nx'), ['run-many', '-t', 'build', `--projects=${apps.join(',')}`, '--outputStyle=static'], {
    cwd: workspaceRoot,
    env: { ...env, NX_DAEMON: 'false' },
  });
  const result = await shipyard('images', 'build', ...apps, '--json');
  if (result.exitCode !== 0) throw new Error(`shipyard images build failed:\n${result.stderr}`);
  for (const entry of JSON.parse(result.stdout) as BuiltImage[]) built.set(entry.app as App, entry);
}, 15 * 60_000);

describe.each(apps)('%s image', (app) => {
  it('is built from the shared Dockerfile, at most 150 MB', async () => {
    const { reference, sizeBytes } = image(app);
    process.stdout.write(`image size ${app}: ${((sizeBytes ?? 0) / 1e6).toFixed(1)} MB (${reference})\n`);
    expect(reference).toMatch(new RegExp(`^${registry}/${app}:[0-9a-f]{40}(-dirty)?$`));
    if ((sizeBytes ?? Infinity) > maxImageBytes) {
      const top = await largestPackages(reference, 8);
      process.stdout.write(`${app} is over the 150 MB budget; largest dependencies: ${top.map((p) => `${p.name} ${p.megabytes} MB`).join(', ')}\n`);
    }
    expect(sizeBytes).toBeLessThanOrEqual(maxImageBytes);
  });

  it('runs as uid/gid 10001 (numeric, for runAsNonRoot)', async () => {
    const { reference } = image(app);
    expect(await docker('image', 'inspect', '--format', '{{.Config.User}}', reference)).toBe('10001:10001');
    const ids = await docker('run', '--rm', '--network', 'none', '--entrypoint', '/nodejs/bin/node', reference, '-e', 'process.stdout.write(`${process.getuid()}:${process.getgid()}`)');
    expect(ids).toBe('10001:10001');
  });

  it('keeps /srv and the code in it root-owned and read-only to the service user', async () => {
    // BuildKit creates a WORKDIR as the current user, and the runtime base runs as 10001.
    const script =
      "const fs = require('node:fs'); const out = {}; for (const f of ['/srv', '/srv/dist', '/srv/dist/main.js', '/srv/node_modules']) " +
      "{ let writable = true; try { fs.accessSync(f, fs.constants.W_OK); } catch { writable = false; } out[f] = `${fs.statSync(f).uid}:${writable}`; } " +
      'process.stdout.write(JSON.stringify(out))';
    const owners = JSON.parse(await docker('run', '--rm', '--network', 'none', '--entrypoint', '/nodejs/bin/node', image(app).reference, '-e', script)) as Record<string, string>;
    expect(owners).toEqual({ '/srv': '0:false', '/srv/dist': '0:false', '/srv/dist/main.js': '0:false', '/srv/node_modules': '0:false' });
  });

  it('holds no dev tooling, sources, tests, .git, .npmrc, npm cache or build CA in any layer', async () => {
    const files = await imageLayerFiles(image(app).reference);
    expect(files).toContain('srv/node_modules/express/package.json');
    expect(files).toContain('srv/dist/main.js');
    const forbidden = [
      /(^|\/)node_modules\/(jest|typescript|nx|ts-jest|tsx|eslint|@nx|@jest)\//,
      /(^|\/)\.git(\/|$)/,
      /(^|\/)\.npmrc/,
      /(^|\/)extra-ca\.pem$/,
      /_cacache\//,
      /^srv\/(src|apps|libs|tools)\//,
      // The service's and its libraries' own built files: no compiled tests, sources, maps or declarations.
      /^srv\/(dist|workspace_modules\/[^/]+\/[^/]+\/dist)\/.*\.((spec|test)\.[cm]?js|map|d\.ts)$/,
      /^srv\/.*\.tsx?$/,
      /^srv\/node_modules\/.*\.map$/,
    ];
    const offending = files.filter((file) => forbidden.some((pattern) => pattern.test(file)));
    expect(offending).toEqual([]);
  });

  it('loads every dependency by name with require() and import() (pruning kept what Node resolves)', async () => {
    const result = await loadEveryDependency(image(app).reference);
    process.stdout.write(`loaded ${app}: ${result.loaded} of ${result.packages} packages\n`);
    expect(result.failures).toEqual([]);
    expect(result.loaded).toBeGreaterThan(50);
  });

  it('carries OCI labels from the build: source, revision, created, version, title', async () => {
    const { reference } = image(app);
    const labels = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config.Labels}}', reference)) as Record<string, string>;
    const revision = reference.split(':').at(-1)?.replace(/-dirty$/, '');
    const manifest = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'apps', app, 'package.json'), 'utf8')) as { version: string };
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': sourceUrl,
      'org.opencontainers.image.revision': revision,
      'org.opencontainers.image.version': manifest.version,
      'org.opencontainers.image.title': app,
    });
    expect(Date.now() - Date.parse(labels['org.opencontainers.image.created'])).toBeLessThan(60 * 60_000);
  });
});

describe('containers on a read-only root filesystem', () => {
  const names: string[] = [];
  const run = async (app: App, suffix: string) => {
    const port = await freePort();
    const name = `shipyard-it-${app}-${suffix}-${process.pid}`;
    names.push(name);
    const started = Date.now();
    await startContainer(image(app).reference, name, containerEnv(app, port));
    return { name, port, started };
  };

  beforeAll(async () => {
    const catalog = await run('catalog-api', 'upstream');
    upstream.catalog = `http://127.0.0.1:${catalog.port}`;
    expect(await waitFor200(`${upstream.catalog}/healthz/ready`, catalog.started, 10_000)).not.toBeNull();
    const checkout = await run('checkout-api', 'upstream');
    upstream.checkout = `http://127.0.0.1:${checkout.port}`;
    expect(await waitFor200(`${upstream.checkout}/healthz/ready`, checkout.started, 10_000)).not.toBeNull();
  }, 60_000);

  afterAll(async () => {
    for (const name of names) await removeContainer(name);
  });

  it.each(apps)('%s answers /healthz/ready within 2 s of docker run', async (app) => {
    const { port, started, name } = await run(app, 'ready');
    const elapsed = await waitFor200(`http://127.0.0.1:${port}/healthz/ready`, started, 5_000);
    process.stdout.write(`ready ${app}: ${elapsed ?? 'never'} ms\n`);
    await removeContainer(name);
    expect(elapsed).not.toBeNull();
    expect(elapsed).toBeLessThanOrEqual(2_000);
  });

  it.each(apps)('%s finishes an in-flight request on docker stop and exits 0 within 3 s', async (app) => {
    const { port, started, name } = await run(app, 'stop');
    expect(await waitFor200(`http://127.0.0.1:${port}/healthz/ready`, started, 5_000)).not.toBeNull();
    const finish = await startSlowRequest(port, slowRequests[app]);
    await sleep(200);
    const stopStarted = Date.now();
    const stopped = docker('stop', '--time', '10', name);
    // The service is draining now: it has stopped accepting, the request is still open.
    await sleep(500);
    const response = await finish();
    await stopped;
    const stopMs = Date.now() - stopStarted;
    const exitCode = await docker('inspect', '--format', '{{.State.ExitCode}}', name);
    process.stdout.write(`stop ${app}: ${stopMs} ms, exit ${exitCode}, in-flight answer: ${response.split('\r\n')[0]}\n`);
    await removeContainer(name);
    expect(response).toMatch(/^HTTP\/1\.1 2\d\d /);
    expect(response.split('\r\n\r\n')[1]?.length ?? 0).toBeGreaterThan(0);
    expect(exitCode).toBe('0');
    expect(stopMs).toBeLessThan(3_000);
  });
});

describe('registry round trip', () => {
  let digestDir: string;
  beforeAll(() => {
    digestDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-digests-'));
  });
  afterAll(() => fs.rmSync(digestDir, { recursive: true, force: true }));

  it.each(apps)('%s pushed, removed and pulled back by digest is the same image', async (app) => {
    const { reference, imageId } = image(app);
    const digestFile = path.join(digestDir, 'images.json');
    const result = await shipyard('images', 'push', app, '--digest-file', digestFile);
    expect(result.stderr).not.toMatch(/shipyard: /);
    expect(result.exitCode).toBe(0);
    const record = (JSON.parse(fs.readFileSync(digestFile, 'utf8')) as Record<string, { repository: string; tag: string; digest: string; reference: string }>)[app];
    expect(record).toEqual({
      repository: `${registry}/${app}`,
      tag: reference.split(':').at(-1),
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      reference: `${registry}/${app}@${record.digest}`,
    });
    // Other apps' entries survive each push.
    expect(Object.keys(JSON.parse(fs.readFileSync(digestFile, 'utf8')) as object)).toEqual(apps.slice(0, apps.indexOf(app) + 1));

    // The registry copy carries BuildKit's inline cache metadata: later builds elsewhere reuse its layers.
    // --raw: the config blob as stored (a parsed one drops keys outside the OCI schema).
    const configBlob = await runCommand('skopeo', ['inspect', '--config', '--raw', '--tls-verify=false', `docker://${record.reference}`]);
    const config = JSON.parse(configBlob.stdout) as Record<string, unknown>;
    expect(config).toHaveProperty(['moby.buildkit.cache.v0']);

    await docker('image', 'rm', '--force', imageId ?? reference);
    expect((await runCommand('docker', ['image', 'inspect', imageId ?? ''], { allowExitCodes: [1] })).exitCode).toBe(1);
    await docker('pull', record.reference);
    expect(await docker('image', 'inspect', '--format', '{{.Id}}', record.reference)).toBe(imageId);
    await docker('tag', record.reference, reference);
  });
});

describe('moving tag', () => {
  it('points at the same manifest as the immutable tag', async () => {
    const digestFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-moving-')), 'images.json');
    const result = await shipyard('images', 'push', 'catalog-api', '--moving-tag', 'integration-test', '--digest-file', digestFile, '--json');
    expect(result.exitCode).toBe(0);
    const record = (JSON.parse(result.stdout) as Record<string, { digest: string }>)['catalog-api'];
    const moving = await runCommand('skopeo', ['inspect', '--tls-verify=false', `docker://${registry}/catalog-api:integration-test`]);
    expect((JSON.parse(moving.stdout) as { Digest: string }).Digest).toBe(record.digest);
    fs.rmSync(path.dirname(digestFile), { recursive: true, force: true });
  });
});

describe('builder', () => {
  it('is BuildKit by default; the legacy builder only on request, with a warning', async () => {
    const dryRun = (extra: NodeJS.ProcessEnv) =>
      runCommand(process.execPath, [cli, 'images', 'build', 'catalog-api', '--dry-run', '--cache-from-tag', 'main'], { cwd: workspaceRoot, env: { ...env, ...extra } });
    const buildkit = await dryRun({});
    expect(buildkit.stderr).not.toMatch(/legacy/);
    expect(buildkit.stderr).toContain(`reusing layers from ${registry}/catalog-api:main`);
    const legacy = await dryRun({ SHIPYARD_IMAGE_BUILDER: 'legacy' });
    expect(legacy.stderr).toContain("warning: building with Docker's legacy builder, as asked");
    expect(legacy.stderr).toContain('--cache-from-tag main is ignored');
  });
});

describe('base image switch', () => {
  it('uses the public images when SHIPYARD_BASE_REGISTRY is unset', async () => {
    const { SHIPYARD_BASE_REGISTRY: _unset, ...publicEnv } = env;
    const result = await runCommand(process.execPath, [cli, 'images', 'build', 'catalog-api', '--dry-run'], { cwd: workspaceRoot, env: publicEnv });
    expect(result.stderr).toContain(`public defaults ${publicBasePins['24']?.build}, ${publicBasePins['24']?.runtime}`);
  });

  it('fails, with the fix, when the base registry lacks the bases (never falls back to public images)', async () => {
    const result = await runCommand(process.execPath, [cli, 'images', 'build', 'catalog-api'], {
      cwd: workspaceRoot,
      env: { ...env, SHIPYARD_BASE_REGISTRY: `${registry}/no-such-mirror` },
      allowExitCodes: [3],
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`has no ${registry}/no-such-mirror/library/node:24-bookworm-slim`);
    expect(result.stderr).toContain('shipyard images base');
  });
});

/**
 * charts push, release create/push/pull/verify, promote and deploy --dry-run as the pipeline runs
 * them (the CLI as a process), against two real registries (Debian's docker-registry over HTTPS
 * with their own self-signed certificates) on free loopback ports, with images pushed through the
 * Azure SDK's content client, the real charts pushed and pulled by digest by the pinned helm.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { cachedHelmPath, defaultHelm } from '../helm/binary';
import { runHelm } from '../helm/run';
import { parse } from 'yaml';
import { helmPin } from '../helm/version';
import { runCommand } from '../process/run-command';
import { freePort } from '../images/testing/containers';
import { startRegistry, stopRegistry } from '../local/registry/registry-server';
import { parseRegistryAddress, type RegistryLayout, registryLayout } from '../local/registry/registry-settings';
import { workspaceRoot } from '../workspace/root';
import { mediaTypes, sha256Digest } from './oci';
import { connectRegistry, readCertificates, type RegistryClient } from './registry-access';
import { parseRelease, releaseMediaType, releaseRepository } from './release-manifest';
import { ReleaseStore } from './release-store';

const cli = path.join(workspaceRoot, 'tools', 'bin', 'shipyard.cjs');
const apps = ['catalog-api', 'checkout-api', 'storefront'];
const git = (...args: string[]) => execFileSync('git', args, { cwd: workspaceRoot, encoding: 'utf8' }).trim();

let work: string;
const registries: Array<{ address: string; layout: RegistryLayout; client: RegistryClient }> = [];
const head = git('rev-parse', 'HEAD');
const parent = git('rev-parse', 'HEAD~1');

function shipyard(...args: string[]) {
  return runCommand(process.execPath, ['--conditions=@shipyard/source', cli, ...args], {
    cwd: workspaceRoot,
    // An empty cache: the only CA the CLI trusts is the one a test passes.
    env: { ...process.env, SHIPYARD_CACHE: path.join(work, 'cache'), SHIPYARD_REGISTRY: '', SHIPYARD_REGISTRY_CA: '', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    allowExitCodes: [1, 2, 3],
  });
}

const registry = (index: number) => ['--registry', registries[index].address, '--ca-file', registries[index].layout.certFile];

/** A small but real OCI image: a gzipped tar layer with one file, its config (diff_ids) and manifest. */
async function pushImage(client: RegistryClient, repository: string, tag: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(work, 'layer-'));
  fs.writeFileSync(path.join(dir, 'hello.txt'), `${repository} at ${tag}\n`);
  const tarball = path.join(work, `${repository}-${tag}.tar`);
  await tar.c({ file: tarball, cwd: dir, portable: true }, ['hello.txt']);
  const uncompressed = fs.readFileSync(tarball);
  const layer = gzipSync(uncompressed);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['cat', '/hello.txt'] }, rootfs: { type: 'layers', diff_ids: [sha256Digest(uncompressed)] } }));
  const content = client.content(repository);
  await content.uploadBlob(config);
  await content.uploadBlob(layer);
  const manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256Digest(layer), size: layer.length }],
  };
  return (await content.setManifest(Buffer.from(JSON.stringify(manifest)), { tag, mediaType: mediaTypes.ociManifest })).digest;
}

async function imagesFile(name: string, sha: string, built: string[]): Promise<string> {
  const records: Record<string, unknown> = {};
  for (const app of built) {
    const repository = `${registries[0].address}/${app}`;
    const digest = await pushImage(registries[0].client, app, sha);
    records[app] = { repository, tag: sha, digest, reference: `${repository}@${digest}` };
  }
  const file = path.join(work, name);
  fs.writeFileSync(file, JSON.stringify(records, null, 2));
  return file;
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-release-int-'));
  // Docker's logins to these registries (which helm and the SDK read) go to a config of this
  // test's own, not the user's ~/.docker, which other suites update at the same time.
  process.env.DOCKER_CONFIG = path.join(work, 'docker');
  // The empty cache still gets the pinned helm (the one cache root holds it too): fetching it
  // again would reach the npm registry from inside the test run's loopback guard.
  const helm = cachedHelmPath(helmPin, path.join(work, 'cache'));
  fs.mkdirSync(path.dirname(helm), { recursive: true });
  fs.copyFileSync((await defaultHelm()).path, helm);
  for (const name of ['source', 'destination']) {
    const address = parseRegistryAddress(`127.0.0.1:${await freePort()}`);
    const layout = registryLayout(path.join(work, name));
    await startRegistry(address, layout, () => undefined);
    registries.push({ address: address.hostPort, layout, client: connectRegistry(address.hostPort, { caCertificates: readCertificates([layout.certFile]) }) });
  }
}, 60_000);

afterAll(async () => {
  for (const { address, layout } of registries) await stopRegistry(parseRegistryAddress(address), layout, () => undefined);
  fs.rmSync(work, { recursive: true, force: true });
});

describe('releases in a real registry over HTTPS', () => {
  it('release create writes a complete manifest of the images built and the charts pushed, charts by OCI digest', async () => {
    const images = await imagesFile('images-parent.json', parent, apps);
    const charts = path.join(work, 'charts-parent.json');
    const push = await shipyard('charts', 'push', '--all', '--sha', parent, '--out', charts, ...registry(0));
    expect(push.exitCode).toBe(0);
    const out = path.join(work, 'release-parent.json');
    const result = await shipyard('release', 'create', '--sha', parent, '--images', images, '--charts', charts, '--out', out, ...registry(0));
    expect(result.stderr).toContain('3 built, 0 carried over; charts 3 pushed, 0 carried over');
    expect(result.exitCode).toBe(0);
    const manifest = parseRelease(fs.readFileSync(out, 'utf8'), out);
    expect(Object.keys(manifest.apps)).toEqual(apps);
    expect(manifest.apps['catalog-api'].image.repository).toBe('catalog-api');
    const pushed = JSON.parse(fs.readFileSync(charts, 'utf8')) as Record<string, { repository: string; version: string; digest: string }>;
    for (const app of apps) {
      expect(manifest.apps[app].chart).toEqual({ name: app, ...pushed[app] });
      expect(manifest.apps[app].chart).toMatchObject({ repository: `helm/${app}`, version: expect.stringMatching(new RegExp(`-${parent.slice(0, 12)}$`)) });
      // The pinned helm pulls exactly that artifact by digest: the reference deploy installs.
      const shown = await runHelm(['show', 'chart', `oci://${registries[0].address}/helm/${app}@${manifest.apps[app].chart.digest}`, '--ca-file', registries[0].layout.certFile]);
      expect(shown.code).toBe(0);
      expect(parse(shown.stdout)).toMatchObject({ name: app, version: manifest.apps[app].chart.version });
    }
  }, 180_000);

  it('release push stores it as an OCI artifact tagged by sha; pull and verify read it back', async () => {
    const push = await shipyard('release', 'push', '--release', path.join(work, 'release-parent.json'), ...registry(0));
    expect(push.exitCode).toBe(0);
    const artifact = await registries[0].client.content(releaseRepository).getManifest(parent);
    expect(artifact.manifest).toMatchObject({ artifactType: releaseMediaType, layers: [{ mediaType: releaseMediaType }] });
    expect(push.stdout.trim()).toBe(`${registries[0].address}/${releaseRepository}@${artifact.digest}`);
    const pull = await shipyard('release', 'pull', '--ref', parent, ...registry(0));
    expect(pull.stdout).toBe(fs.readFileSync(path.join(work, 'release-parent.json'), 'utf8'));
    const verify = await shipyard('release', 'verify', '--ref', parent, '--json', ...registry(0));
    expect(verify.exitCode).toBe(0);
    expect((JSON.parse(verify.stdout) as { checks: Array<{ kind: string; ok: boolean }> }).checks.map((check) => [check.kind, check.ok])).toEqual(apps.flatMap(() => [['image', true], ['chart', true]]));
  }, 60_000);

  it('a new release carries unchanged apps (image and chart) over from the nearest earlier release', async () => {
    const images = await imagesFile('images-head.json', head, ['storefront']);
    const charts = path.join(work, 'charts-head.json');
    expect((await shipyard('charts', 'push', 'storefront', '--sha', head, '--out', charts, ...registry(0))).exitCode).toBe(0);
    const out = path.join(work, 'release-head.json');
    const create = await shipyard('release', 'create', '--sha', head, '--images', images, '--charts', charts, '--out', out, ...registry(0));
    expect(create.stderr).toContain(`carrying over from the release of ${parent.slice(0, 12)} (1 commit back)`);
    expect(create.exitCode).toBe(0);
    const earlier = parseRelease(fs.readFileSync(path.join(work, 'release-parent.json'), 'utf8'), 'parent');
    const manifest = parseRelease(fs.readFileSync(out, 'utf8'), out);
    expect(manifest.apps['catalog-api']).toEqual(earlier.apps['catalog-api']);
    expect(manifest.apps.storefront.gitSha).toBe(head);
    expect(manifest.apps.storefront.chart.version).toMatch(new RegExp(`-${head.slice(0, 12)}$`));
    expect(manifest.apps.storefront.chart.digest).not.toBe(earlier.apps.storefront.chart.digest);
    expect(manifest.previous?.gitSha).toBe(parent);
    expect((await shipyard('release', 'push', '--release', out, ...registry(0))).exitCode).toBe(0);
  }, 120_000);

  it('verify fails, naming each missing image, in a registry without the images; an untrusted certificate is explained', async () => {
    const absent = await shipyard('release', 'verify', '--ref', head, ...registry(1));
    expect(absent.exitCode).toBe(1);
    expect(absent.stderr).toContain(`no release ${head} in ${registries[1].address}/shipyard/releases`);
    // The parent's manifest alone, without its images, in the second registry.
    await new ReleaseStore(registries[1].client).push(parseRelease(fs.readFileSync(path.join(work, 'release-parent.json'), 'utf8'), 'parent'));
    const stranger = await shipyard('release', 'verify', '--ref', parent, ...registry(1));
    expect(stranger.exitCode).toBe(1);
    for (const app of apps) {
      expect(stranger.stderr).toMatch(new RegExp(`MISSING ${app} image: ${registries[1].address.replaceAll('.', '\\.')}/${app}@sha256:[0-9a-f]{64} \\(not found in the registry\\)`));
      expect(stranger.stderr).toMatch(new RegExp(`MISSING ${app} chart: oci://${registries[1].address.replaceAll('.', '\\.')}/helm/${app}@sha256:[0-9a-f]{64} \\(not found in the registry\\)`));
    }
    expect(stranger.stderr).toContain(`shipyard: 6 of 6 images and charts of release ${parent} are missing in ${registries[1].address}`);
    const untrusted = await shipyard('release', 'verify', '--ref', head, '--registry', registries[0].address);
    expect(untrusted.exitCode).toBe(3);
    expect(untrusted.stderr).toMatch(/the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted .*--ca-file <file>/);
  }, 60_000);

  it('promote copies images, charts and release by digest, verifies the destination, and copies nothing the second time', async () => {
    const args = ['promote', '--from', registries[0].address, '--to', registries[1].address, '--release', head, '--json', '--ca-file', registries[0].layout.certFile, '--ca-file', registries[1].layout.certFile];
    const first = await shipyard(...args);
    expect(first.exitCode).toBe(0);
    const report = JSON.parse(first.stdout) as { items: Array<{ name: string; kind: string; result: string; repository: string; digest: string }>; release: { digest: string } };
    expect(report.items.map((item) => [item.name, item.kind, item.result])).toEqual([...apps.flatMap((app) => [[app, 'image', 'copied'], [app, 'chart', 'copied']]), ['release', 'release', 'copied']]);
    const copied = await registries[1].client.content(releaseRepository).getManifest(head);
    expect(copied.digest).toBe(report.release.digest);
    for (const item of report.items.filter((entry) => entry.name !== 'release')) {
      expect((await registries[1].client.content(item.repository).getManifest(item.digest)).digest).toBe(item.digest);
    }
    // The copied chart is a chart to helm in the destination, by the same digest.
    const storefront = report.items.find((item) => item.name === 'storefront' && item.kind === 'chart');
    const shown = await runHelm(['show', 'chart', `oci://${registries[1].address}/${storefront?.repository}@${storefront?.digest}`, '--ca-file', registries[1].layout.certFile]);
    expect(shown.code).toBe(0);
    expect(parse(shown.stdout)).toMatchObject({ name: 'storefront' });
    const again = JSON.parse((await shipyard(...args)).stdout) as { items: Array<{ result: string }> };
    expect(again.items.map((item) => item.result)).toEqual(Array(7).fill('present'));
    expect((await shipyard('release', 'verify', '--ref', head, ...registry(1))).exitCode).toBe(0);
  }, 90_000);

  it('deploy --dry-run verifies the release and prints the exact helm commands, charts by digest from the registry, rendered from there', async () => {
    const manifest = parseRelease(fs.readFileSync(path.join(work, 'release-head.json'), 'utf8'), 'head');
    const result = await shipyard('deploy', '--env', 'staging', '--release', head, '--dry-run', '--assume-not-installed', '--namespace', 'shop', ...registry(1));
    expect(result.stderr).toContain(`release ${head.slice(0, 12)}: all 3 images and charts verified in ${registries[1].address}`);
    expect(result.exitCode).toBe(0);
    const target = registries[1].address;
    for (const app of apps) {
      const { image, chart } = manifest.apps[app];
      const upgrade = new RegExp(
        [
          `\\$ helm upgrade --install ${app} oci://${target.replaceAll('.', '\\.')}/helm/${app}@${chart.digest} --ca-file ${registries[1].layout.certFile.replaceAll('.', '\\.')}`,
          `--namespace shop --rollback-on-failure --wait=watcher --timeout 10m`,
          `--description 'shipyard release=${head} fingerprint=sha256:[0-9a-f]{64}'`,
          // Only the storefront has an overlay of its own (its ingress host); the others take the environment's values.
          `-f charts/environments/staging\\.yaml${app === 'storefront' ? ` -f charts/${app}/values-staging\\.yaml` : ''}`,
          `--set-string service\\.image\\.repository=${target.replaceAll('.', '\\.')}/${app} --set-string service\\.image\\.tag=${image.tag} --set-string service\\.image\\.digest=${image.digest}$`,
        ].join(' '),
        'm',
      );
      expect(result.stdout).toMatch(upgrade);
      // The release's chart is the whole chart: nothing is built from the checkout.
      expect(result.stdout).not.toContain('helm dependency');
      // helm template ran with the same values: the rendered pod runs exactly this digest.
      expect(result.stderr).toMatch(new RegExp(`${app}: rendered \\d+ objects for staging; image ${target.replaceAll('.', '\\.')}/${app}@${image.digest}`));
    }
    expect(result.stderr).toContain(`would tag env-staging → ${head.slice(0, 12)}`);
    expect(Object.keys((await registries[1].client.content(releaseRepository).getManifest(head)).manifest)).toContain('artifactType');
    await expect(registries[1].client.content(releaseRepository).getManifest('env-staging')).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);
});

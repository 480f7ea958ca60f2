import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageRecord } from '../images/digest-file';
import { createRelease } from './create-release';
import { deployableApps } from './deployable-apps';
import { findPreviousRelease, gitHistory } from './previous-release';
import { releaseMediaType, releaseRepository, serializeRelease } from './release-manifest';
import { ReleaseStore } from './release-store';
import { MemoryRegistry, pushTestCharts, pushTestImage } from './testing/memory-registry';

const apps = deployableApps(['catalog-api', 'checkout-api', 'storefront']);

async function releaseFor(registry: MemoryRegistry, sha: string, built: string[], previous: Awaited<ReturnType<ReleaseStore['find']>> = null) {
  const images: Record<string, ReturnType<typeof imageRecord>> = {};
  for (const app of built) images[app] = imageRecord(`${registry.registry}/${app}`, sha, await pushTestImage(registry, app, sha, `${app}@${sha}`));
  const charts = await pushTestCharts(registry, built, sha);
  return createRelease({ sha, registry: registry.registry, apps, images, charts, previous: previous ? { manifest: previous.manifest, digest: previous.digest, how: 'test' } : null }).manifest;
}

describe('ReleaseStore', () => {
  const sha = 'a'.repeat(40);

  it('pushes a release as an OCI artifact of its own type, tagged by git sha, and pulls it back', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    const manifest = await releaseFor(registry, sha, ['catalog-api', 'checkout-api', 'storefront']);
    const pushed = await store.push(manifest);
    expect(pushed.tag).toBe(sha);
    const artifact = await registry.content(releaseRepository).getManifest(sha);
    expect(artifact.digest).toBe(pushed.digest);
    expect(artifact.manifest).toMatchObject({
      artifactType: releaseMediaType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2 },
      layers: [{ mediaType: releaseMediaType, annotations: { 'org.opencontainers.image.title': 'release.json' } }],
      annotations: { 'org.opencontainers.image.revision': sha },
    });
    const pulled = await store.pull({ kind: 'sha', tag: sha });
    expect(pulled.manifest).toEqual(manifest);
    expect(pulled.digest).toBe(pushed.digest);
    // Same release, same bytes, same digest: pushing again changes nothing.
    expect((await store.push(manifest)).digest).toBe(pushed.digest);
  });

  it('moves tags without changing the digest, and answers null / a clear error for missing releases', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    const pushed = await store.push(await releaseFor(registry, sha, ['catalog-api', 'checkout-api', 'storefront']));
    await store.setTag(await store.pull({ kind: 'sha', tag: sha }), 'env-dev');
    expect(registry.tagsOf(releaseRepository)).toEqual({ [sha]: pushed.digest, 'env-dev': pushed.digest });
    expect((await store.pull({ kind: 'pointer', tag: 'env-dev', environment: 'dev' })).manifest.gitSha).toBe(sha);
    expect(await store.find({ kind: 'sha', tag: 'b'.repeat(40) })).toBeNull();
    await expect(store.pull({ kind: 'pointer', tag: 'env-prod', environment: 'prod' })).rejects.toThrow(/no release env-prod in 127\.0\.0\.1:5000\/shipyard\/releases \(nothing has been deployed there yet/);
  });

  it('refuses an artifact of another type under a release tag, and a tag that holds another commit', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    await pushTestImage(registry, releaseRepository, 'c'.repeat(40));
    await expect(store.pull({ kind: 'sha', tag: 'c'.repeat(40) })).rejects.toThrow(/is not a shipyard release \(artifactType none/);
    await store.push(await releaseFor(registry, sha, ['catalog-api', 'checkout-api', 'storefront']));
    const pulled = await store.pull({ kind: 'sha', tag: sha });
    await store.setTag(pulled, 'd'.repeat(40));
    await expect(store.pull({ kind: 'sha', tag: 'd'.repeat(40) })).rejects.toThrow(/holds the release of a{40}, not of d{40}/);
  });

  it('verifies every image and chart digest exists in the registry', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    const manifest = await releaseFor(registry, sha, ['catalog-api', 'checkout-api', 'storefront']);
    expect((await store.verify(manifest)).every((check) => check.ok)).toBe(true);
    const other = new MemoryRegistry();
    const checks = await new ReleaseStore(other).verify(manifest);
    expect(checks.map((check) => [check.app, check.kind, check.ok, check.problem])).toEqual([
      ['catalog-api', 'image', false, 'not found in the registry'],
      ['catalog-api', 'chart', false, 'not found in the registry'],
      ['checkout-api', 'image', false, 'not found in the registry'],
      ['checkout-api', 'chart', false, 'not found in the registry'],
      ['storefront', 'image', false, 'not found in the registry'],
      ['storefront', 'chart', false, 'not found in the registry'],
    ]);
    await expect(new ReleaseStore(other).requireComplete(manifest)).rejects.toThrow(
      /release a{40} is not deployable from 127\.0\.0\.1:5000:\n {2}catalog-api image: 127\.0\.0\.1:5000\/catalog-api@sha256:[0-9a-f]{64}: not found.*\n {2}catalog-api chart: oci:\/\/127\.0\.0\.1:5000\/helm\/catalog-api@sha256:[0-9a-f]{64}: not found/,
    );
    // A chart missing on its own (its image is there) is named too.
    registry.repositories.delete('helm/storefront');
    expect((await store.verify(manifest)).filter((check) => !check.ok).map((check) => [check.app, check.kind])).toEqual([['storefront', 'chart']]);
  });

  it('stores the exact serialized document as the layer', async () => {
    const registry = new MemoryRegistry();
    const manifest = await releaseFor(registry, sha, ['catalog-api', 'checkout-api', 'storefront']);
    await new ReleaseStore(registry).push(manifest);
    const artifact = (await registry.content(releaseRepository).getManifest(sha)).manifest as { layers: Array<{ digest: string }> };
    const blob = await registry.content(releaseRepository).downloadBlob(artifact.layers[0].digest);
    let text = '';
    for await (const chunk of blob.content) text += chunk.toString();
    expect(text).toBe(serializeRelease(manifest));
  });
});

describe('the previous release', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  const commit = (name: string) => {
    writeFileSync(path.join(repo, 'file.txt'), name);
    git('add', 'file.txt');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', name);
    return git('rev-parse', 'HEAD');
  };
  beforeEach(() => {
    repo = mkdtempSync(path.join(os.tmpdir(), 'shipyard-previous-'));
    git('init', '-q', '-b', 'main');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('defaults to the nearest earlier commit on the first-parent line that has a release', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    const first = commit('one');
    await store.push(await releaseFor(registry, first, ['catalog-api', 'checkout-api', 'storefront']));
    const second = commit('two');
    const firstRelease = await store.pull({ kind: 'sha', tag: first });
    await store.push(await releaseFor(registry, second, ['storefront'], firstRelease));
    commit('three (batched: no release)');
    const head = commit('four');
    const lines: string[] = [];
    const found = await findPreviousRelease({ sha: head, needed: true, store, git: gitHistory(repo), log: (line) => lines.push(line) });
    expect(found?.manifest.gitSha).toBe(second);
    expect(found?.how).toBe(`nearest earlier release ${second}`);
    expect(lines.join('\n')).toContain('(2 commits back)');
    expect(await findPreviousRelease({ sha: head, needed: false, store, git: gitHistory(repo), log: () => undefined })).toBeNull();
  });

  it('a re-run of a commit that already has a release reuses that release, not an earlier one', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    const first = commit('one');
    await store.push(await releaseFor(registry, first, ['catalog-api', 'checkout-api', 'storefront']));
    const head = commit('two');
    const firstRelease = await store.pull({ kind: 'sha', tag: first });
    await store.push(await releaseFor(registry, head, ['storefront'], firstRelease));
    const lines: string[] = [];
    const found = await findPreviousRelease({ sha: head, needed: true, store, git: gitHistory(repo), log: (line) => lines.push(line) });
    expect(found?.manifest.gitSha).toBe(head);
    expect(found?.how).toBe(`the existing release of ${head} (re-run)`);
    expect(lines.join('\n')).toContain('already has a release (a re-run of the same commit)');
  });

  it('takes --previous when given, but only from an ancestor', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    const base = commit('base');
    await store.push(await releaseFor(registry, base, ['catalog-api', 'checkout-api', 'storefront']));
    git('checkout', '-qb', 'feature');
    const feature = commit('feature');
    await store.push(await releaseFor(registry, feature, ['catalog-api', 'checkout-api', 'storefront']));
    git('checkout', '-q', 'main');
    const head = commit('main moves on');
    const options = { sha: head, needed: true, store, git: gitHistory(repo), log: () => undefined };
    expect((await findPreviousRelease({ ...options, explicit: base }))?.how).toBe(`--previous ${base}`);
    await expect(findPreviousRelease({ ...options, explicit: feature })).rejects.toThrow(/is not an ancestor of [0-9a-f]{40}: carrying its images over could ship code of another branch/);
    await expect(findPreviousRelease({ ...options, explicit: 'f'.repeat(40) })).rejects.toThrow(/--previous f{40}: no such release/);
    expect(await findPreviousRelease({ ...options, needed: false, explicit: 'f'.repeat(40) })).toBeNull();
  });

  it('says so when git does not know the commit (a shallow clone)', async () => {
    commit('only');
    await expect(gitHistory(repo).firstParentAncestors('e'.repeat(40), 10)).rejects.toThrow(/git does not know commit e{40} \(a shallow clone\?/);
  });
});

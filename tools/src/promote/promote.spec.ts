import { imageRecord } from '../images/digest-file';
import { createRelease } from '../release/create-release';
import { deployableApps } from '../release/deployable-apps';
import { mediaTypes } from '../release/oci';
import { releaseRepository } from '../release/release-manifest';
import { ReleaseStore } from '../release/release-store';
import { MemoryRegistry, pushTestCharts, pushTestImage, testChartOf } from '../release/testing/memory-registry';
import type { ImportRequest } from './acr-import';
import { copyManifest, tagManifest } from './copy-image';
import { promoteRelease } from './promote';

const apps = deployableApps(['catalog-api', 'checkout-api', 'storefront']);
const sha = 'a'.repeat(40);

/** Source registry with a release; storefront is a two-platform index, the others plain images. */
async function sourceWithRelease(registry = '127.0.0.1:5000') {
  const source = new MemoryRegistry(registry);
  const images: Record<string, ReturnType<typeof imageRecord>> = {};
  for (const app of ['catalog-api', 'checkout-api']) images[app] = imageRecord(`${source.registry}/${app}`, sha, await pushTestImage(source, app, sha));
  const amd = await pushTestImage(source, 'storefront', 'amd64', 'storefront amd64');
  const arm = await pushTestImage(source, 'storefront', 'arm64', 'storefront arm64');
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [amd, arm].map((digest) => ({ mediaType: mediaTypes.ociManifest, digest, size: 1 })) }));
  const { digest } = await source.content('storefront').setManifest(index, { tag: sha, mediaType: mediaTypes.ociIndex });
  images.storefront = imageRecord(`${source.registry}/storefront`, sha, digest);
  const charts = await pushTestCharts(source, ['catalog-api', 'checkout-api', 'storefront'], sha);
  const { manifest } = createRelease({ sha, registry: source.registry, apps, images, charts, previous: null });
  const pushed = await new ReleaseStore(source).push(manifest);
  return { source, manifest, releaseDigest: pushed.digest };
}

describe('promote', () => {
  it('copies every image (an index with its platform manifests too), every chart and the release by digest, then verifies the destination', async () => {
    const { source, manifest, releaseDigest } = await sourceWithRelease();
    const destination = new MemoryRegistry('127.0.0.1:5001');
    const lines: string[] = [];
    const report = await promoteRelease({ from: source, to: destination, ref: { kind: 'sha', tag: sha }, dryRun: false, log: (line) => lines.push(line) });
    expect(report.release).toEqual({ gitSha: sha, digest: releaseDigest });
    expect(report.items.map((item) => [item.name, item.kind, item.result])).toEqual([
      ['catalog-api', 'image', 'copied'],
      ['catalog-api', 'chart', 'copied'],
      ['checkout-api', 'image', 'copied'],
      ['checkout-api', 'chart', 'copied'],
      ['storefront', 'image', 'copied'],
      ['storefront', 'chart', 'copied'],
      ['release', 'release', 'copied'],
    ]);
    // 2 images + index + 2 platform manifests + 3 charts + release = 9 manifests; 2 blobs each for the 4 images, the 3 charts and the release.
    expect(report.stats).toMatchObject({ manifests: 9, blobs: 16 });
    expect(destination.tagsOf(releaseRepository)[sha]).toBe(releaseDigest);
    for (const [app, entry] of Object.entries(manifest.apps)) {
      expect(destination.tagsOf(app)[sha]).toBe(entry.image.digest);
      // The chart under the same repository and version tag as in the source: helm finds it by digest or by version.
      expect(destination.tagsOf(`helm/${app}`)[entry.chart.version]).toBe(entry.chart.digest);
      expect(await testChartOf(destination, entry.chart.repository, entry.chart.digest)).toMatchObject({ name: app, version: entry.chart.version });
    }
    const copied = await new ReleaseStore(destination).pull({ kind: 'sha', tag: sha });
    expect(copied.manifest).toEqual(manifest);
    expect(lines.at(-1)).toMatch(/^verified in 127\.0\.0\.1:5001: release sha256:[0-9a-f]{64} and 3 images and charts/);
  });

  it('between two ACRs imports the images server-side (no layer through this process) and copies only the charts and the release manifest', async () => {
    const { source, manifest, releaseDigest } = await sourceWithRelease('acrshipyard.azurecr.io');
    const destination = new MemoryRegistry('acrshipyardprod.azurecr.io');
    const imports: ImportRequest[] = [];
    // Stands in for the ACR service: the import happens between the two registries, not through the promote process's streams.
    const importImage = async (request: ImportRequest) => {
      imports.push(request);
      await copyManifest({ from: source.content(request.repository), to: destination.content(request.repository), repository: request.repository }, request.digest, { manifests: 0, blobs: 0, bytes: 0 });
      await tagManifest(destination.content(request.repository), request.digest, request.tag);
    };
    const lines: string[] = [];
    const report = await promoteRelease({ from: source, to: destination, ref: { kind: 'sha', tag: sha }, dryRun: false, log: (line) => lines.push(line), importImage });
    expect(report.method).toEqual({ kind: 'acr-import', sourceAcr: 'acrshipyard', targetAcr: 'acrshipyardprod' });
    expect(imports.map((request) => [request.targetAcr, request.sourceRegistry, request.repository, request.digest, request.tag])).toEqual(
      Object.entries(manifest.apps).map(([app, entry]) => ['acrshipyardprod', 'acrshipyard.azurecr.io', app, entry.image.digest, sha]),
    );
    expect(report.items.map((item) => [item.name, item.kind, item.result])).toEqual([
      ['catalog-api', 'image', 'imported'],
      ['catalog-api', 'chart', 'copied'],
      ['checkout-api', 'image', 'imported'],
      ['checkout-api', 'chart', 'copied'],
      ['storefront', 'image', 'imported'],
      ['storefront', 'chart', 'copied'],
      ['release', 'release', 'copied'],
    ]);
    // Only the three charts and the release manifest, with their two blobs each, went through this process.
    expect(report.stats).toMatchObject({ manifests: 4, blobs: 8 });
    expect(destination.tagsOf(releaseRepository)[sha]).toBe(releaseDigest);
    expect(lines[1]).toBe('images: ACR import acrshipyard → acrshipyardprod (server-side, no layer through this agent)');
    // A second run imports nothing.
    const again = await promoteRelease({ from: source, to: destination, ref: { kind: 'sha', tag: sha }, dryRun: false, log: () => undefined, importImage });
    expect(again.items.map((item) => item.result)).toEqual(Array(7).fill('present'));
    expect(imports).toHaveLength(3);
  });

  it('is idempotent: a second run copies nothing', async () => {
    const { source } = await sourceWithRelease();
    const destination = new MemoryRegistry('127.0.0.1:5001');
    const options = { from: source, to: destination, ref: { kind: 'sha' as const, tag: sha }, dryRun: false, log: () => undefined };
    await promoteRelease(options);
    destination.calls.length = 0;
    const again = await promoteRelease(options);
    expect(again.items.every((item) => item.result === 'present')).toBe(true);
    expect(again.stats).toEqual({ manifests: 0, blobs: 0, bytes: 0 });
    expect(destination.calls.filter((call) => call.includes(' uploadBlob '))).toEqual([]);
  });

  it('with --dry-run reports what it would copy and writes nothing', async () => {
    const { source } = await sourceWithRelease();
    const destination = new MemoryRegistry('127.0.0.1:5001');
    const report = await promoteRelease({ from: source, to: destination, ref: { kind: 'sha', tag: sha }, dryRun: true, log: () => undefined });
    expect(report.items.map((item) => item.result)).toEqual(Array(7).fill('would copy'));
    expect(destination.calls.every((call) => call.includes(' getManifest '))).toBe(true);
  });

  it('refuses to promote a release with missing images or charts, and within one registry', async () => {
    const { source, manifest } = await sourceWithRelease();
    const broken = new MemoryRegistry('127.0.0.1:5002');
    await new ReleaseStore(broken).push(manifest);
    await expect(promoteRelease({ from: broken, to: new MemoryRegistry('127.0.0.1:5001'), ref: { kind: 'sha', tag: sha }, dryRun: false, log: () => undefined })).rejects.toThrow(
      /is not deployable from 127\.0\.0\.1:5002/,
    );
    // Every image there, a chart missing: still not deployable, so not promoted.
    source.repositories.delete('helm/checkout-api');
    await expect(promoteRelease({ from: source, to: new MemoryRegistry('127.0.0.1:5001'), ref: { kind: 'sha', tag: sha }, dryRun: false, log: () => undefined })).rejects.toThrow(
      /is not deployable from 127\.0\.0\.1:5000:\n {2}checkout-api chart: oci:\/\/127\.0\.0\.1:5000\/helm\/checkout-api@sha256:[0-9a-f]{64}: not found in the registry$/,
    );
    await expect(promoteRelease({ from: source, to: source, ref: { kind: 'sha', tag: sha }, dryRun: false, log: () => undefined })).rejects.toThrow(/--from and --to are the same registry/);
  });
});

import { emptyConfig, mediaTypes } from '../oci';
import { type ReleaseManifest, releaseRepository } from '../release-manifest';
import { releaseArtifactManifest } from '../release-store';
import type { MemoryRegistry } from './memory-registry';

/**
 * Pushes `manifest` as the previous shipyard pushed releases (schemaVersion 1: each chart by the
 * content digest of its checkout folder), tagged by its sha and `tags`; returns the artifact digest.
 */
export async function pushVersionOne(registry: MemoryRegistry, manifest: ReleaseManifest, tags: string[] = []): Promise<string> {
  const apps = Object.fromEntries(Object.entries(manifest.apps).map(([app, entry]) => [app, { ...entry, chart: { name: entry.chart.name, version: '0.1.0', digest: `sha256:${'9'.repeat(64)}` } }]));
  const document = Buffer.from(JSON.stringify({ ...manifest, schemaVersion: 1, apps }));
  const content = registry.content(releaseRepository);
  const config = await content.uploadBlob(emptyConfig);
  await content.uploadBlob(document);
  const artifact = Buffer.from(JSON.stringify(releaseArtifactManifest(document, config.digest, manifest)));
  let digest = '';
  for (const tag of [manifest.gitSha, ...tags]) digest = (await content.setManifest(artifact, { tag, mediaType: mediaTypes.ociManifest })).digest;
  return digest;
}

import { imageRecord } from '../../images/digest-file';
import { createRelease } from '../../release/create-release';
import { deployableApps } from '../../release/deployable-apps';
import type { ReleaseManifest } from '../../release/release-manifest';
import { ReleaseStore } from '../../release/release-store';
import { type MemoryRegistry, pushTestCharts, pushTestImage } from '../../release/testing/memory-registry';

/** The workspace's deployable apps, with their real charts. */
export const workspaceApps = deployableApps(['catalog-api', 'checkout-api', 'storefront']);

/**
 * Pushes images for `built`, charts for `charted` (as the pipeline does, the charts of the
 * affected apps: by default the same ones) and the release of `sha`, carrying the other images
 * and charts over from the release of `previous`.
 */
export async function publishRelease(registry: MemoryRegistry, sha: string, built: string[], previous?: string, charted: string[] = built): Promise<ReleaseManifest> {
  const store = new ReleaseStore(registry);
  const images: Record<string, ReturnType<typeof imageRecord>> = {};
  for (const app of built) images[app] = imageRecord(`${registry.registry}/${app}`, sha, await pushTestImage(registry, app, sha, `${app}@${sha}`));
  const earlier = previous ? await store.pull({ kind: 'sha', tag: previous }) : null;
  const charts = await pushTestCharts(registry, charted, sha);
  const { manifest } = createRelease({ sha, registry: registry.registry, apps: workspaceApps, images, charts, previous: earlier ? { ...earlier, how: 'test' } : null });
  await store.push(manifest);
  return manifest;
}

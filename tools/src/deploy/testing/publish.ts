import { imageRecord } from '../../images/digest-file';
import { createRelease } from '../../release/create-release';
import { deployableApps } from '../../release/deployable-apps';
import type { ReleaseManifest } from '../../release/release-manifest';
import { ReleaseStore } from '../../release/release-store';
import { type MemoryRegistry, pushTestImage } from '../../release/testing/memory-registry';

/** The workspace's deployable apps, with their real charts. */
export const workspaceApps = deployableApps(['catalog-api', 'checkout-api', 'storefront']);

/** Pushes images for `built` and the release of `sha`, carrying the other apps over from the release of `previous`. */
export async function publishRelease(registry: MemoryRegistry, sha: string, built: string[], previous?: string): Promise<ReleaseManifest> {
  const store = new ReleaseStore(registry);
  const images: Record<string, ReturnType<typeof imageRecord>> = {};
  for (const app of built) images[app] = imageRecord(`${registry.registry}/${app}`, sha, await pushTestImage(registry, app, sha, `${app}@${sha}`));
  const earlier = previous ? await store.pull({ kind: 'sha', tag: previous }) : null;
  const { manifest } = createRelease({ sha, registry: registry.registry, apps: workspaceApps, images, previous: earlier ? { ...earlier, how: 'test' } : null });
  await store.push(manifest);
  return manifest;
}

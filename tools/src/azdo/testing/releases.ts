import { pointerTags } from '../../release/release-ref';
import type { ReleaseManifest } from '../../release/release-manifest';
import type { ReleaseStore } from '../../release/release-store';
import type { Environment } from '../../charts/layout';

/** A valid release manifest: one image per app, digests from one hex character each. */
export function releaseFor(gitSha: string, images: Record<string, string>): ReleaseManifest {
  return {
    schemaVersion: 2,
    gitSha,
    previous: null,
    apps: Object.fromEntries(
      Object.entries(images).map(([app, image]) => [
        app,
        { image: { repository: `shipyard/${app}`, tag: gitSha, digest: `sha256:${image.repeat(64)}` }, chart: { name: app, version: '0.1.0', repository: `helm/${app}`, digest: `sha256:${'0'.repeat(64)}` }, gitSha },
      ]),
    ),
  };
}

/** Moves the pointers as `shipyard deploy` does after a successful converge: what ran becomes -previous, the release becomes current. */
export async function markDeployed(store: ReleaseStore, environment: Environment, gitSha: string): Promise<void> {
  const tags = pointerTags(environment);
  const target = await store.pull({ kind: 'sha', tag: gitSha });
  const before = await store.findHandle({ kind: 'pointer', tag: tags.current, environment });
  if (before?.digest === target.digest) return;
  if (before) await store.setTag(before, tags.previous);
  await store.setTag(target, tags.current);
}

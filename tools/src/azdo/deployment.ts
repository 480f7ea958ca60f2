import type { Environment } from '../charts/layout';
import { CliError, ExitCode } from '../cli/errors';
import { pointerTags, type ReleaseRef } from '../release/release-ref';
import type { CarrySource } from '../release/release-manifest';
import type { ReleaseStore } from '../release/release-store';

/** A release as annotate and workitems need it: its commit, manifest digest and each app's image. */
export interface DeployedRelease {
  gitSha: string;
  digest: string;
  apps: Record<string, { gitSha: string; imageDigest: string }>;
}

/** What one deployment changed: the environment's release now, and the one it ran before. */
export interface Deployment {
  environment: Environment;
  current: DeployedRelease;
  /** null on the environment's first deployment. */
  previous: DeployedRelease | null;
}

export interface ServiceChange {
  name: string;
  /** The commit the service's image was built from (earlier than the release for carried-over apps). */
  gitSha: string;
  imageDigest: string;
  /** Its image differs from the one the environment ran before (or it is new there). */
  changed: boolean;
}

export function servicesOf(deployment: Deployment): ServiceChange[] {
  return Object.entries(deployment.current.apps)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, app]) => ({ name, gitSha: app.gitSha, imageDigest: app.imageDigest, changed: deployment.previous?.apps[name]?.imageDigest !== app.imageDigest }));
}

function toDeployed(release: { manifest: CarrySource; digest: string }): DeployedRelease {
  return {
    gitSha: release.manifest.gitSha,
    digest: release.digest,
    apps: Object.fromEntries(Object.entries(release.manifest.apps).map(([name, app]) => [name, { gitSha: app.gitSha, imageDigest: app.image.digest }])),
  };
}

/**
 * The deployment from the registry's environment pointers, as `shipyard deploy` leaves them:
 * env-<env> is the release now running, env-<env>-previous the one before it. A re-run of the
 * same deployment leaves both where they were, so it reads the same range again.
 */
export async function readDeployment(
  /** Any schemaVersion: only commits and image digests are read (env-<env>-previous may predate chart artifacts). */
  store: Pick<ReleaseStore, 'findCarrySource' | 'registry'>,
  environment: Environment,
  expectedSha?: string,
): Promise<Deployment> {
  const tags = pointerTags(environment);
  const pointer = (tag: string): ReleaseRef => ({ kind: 'pointer', tag, environment });
  const current = await store.findCarrySource(pointer(tags.current));
  if (!current) {
    throw new CliError(`${store.registry}: ${tags.current} does not exist: nothing was deployed to ${environment} through shipyard deploy yet`, ExitCode.failed);
  }
  if (expectedSha && current.manifest.gitSha !== expectedSha) {
    throw new CliError(
      `${tags.current} names release ${current.manifest.gitSha}, not ${expectedSha}: the deploy step did not move the pointer (failed or rolled back), or another run deployed since`,
      ExitCode.failed,
    );
  }
  const previous = await store.findCarrySource(pointer(tags.previous));
  return { environment, current: toDeployed(current), previous: previous ? toDeployed(previous) : null };
}

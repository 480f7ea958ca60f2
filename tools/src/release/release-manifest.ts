import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { digestPattern } from './oci';

/** The release artifact: its own OCI artifactType, stored next to the images. */
export const releaseMediaType = 'application/vnd.shipyard.release.v1+json';
export const releaseRepository = 'shipyard/releases';

const gitSha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character git commit sha');
const digest = z.string().regex(digestPattern, 'must be sha256: followed by 64 lowercase hex characters');
const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a kebab-case name');
/** Repository path inside the registry (no host): the release is the same document in every registry it is promoted to. */
const repository = z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'must be a repository path without registry host');

/** The version this shipyard writes and reads. 1 recorded charts by the content of a checkout folder. */
export const releaseSchemaVersion = 2;

export const releaseAppSchema = z.strictObject({
  image: z.strictObject({
    repository,
    /** The tag the image was pushed with (its git sha); informational, deploys use the digest. */
    tag: z.string().min(1),
    digest,
  }),
  /** The packaged chart as an OCI artifact (shipyard charts push): deploy installs oci://<registry>/<repository>@<digest>. */
  chart: z.strictObject({
    name: kebab,
    /** <Chart.yaml version>-<short sha of the commit it was pushed for>; also its tag. */
    version: z.string().min(1),
    repository,
    /** Digest of the chart's OCI manifest, as helm push printed it. */
    digest,
  }),
  /** The commit the image was built from: the release's own sha, or an earlier one for carried-over images. */
  gitSha,
});
export type ReleaseApp = z.infer<typeof releaseAppSchema>;

export const releaseManifestSchema = z.strictObject({
  schemaVersion: z.literal(releaseSchemaVersion),
  /** The commit this release was made from (its tag in shipyard/releases). */
  gitSha,
  /** The release the carried-over entries came from; null when every app was built for this one. */
  previous: z.strictObject({ gitSha, digest }).nullable(),
  apps: z.record(kebab, releaseAppSchema).refine((apps) => Object.keys(apps).length > 0, 'must name at least one app'),
});
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

/**
 * The manifest as stored: apps sorted by name, two-space JSON, final newline. The same inputs
 * always give the same bytes, so the same release has the same digest wherever it is pushed.
 */
export function serializeRelease(manifest: ReleaseManifest): string {
  const parsed = releaseManifestSchema.parse(manifest);
  const apps = Object.fromEntries(Object.entries(parsed.apps).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({ schemaVersion: parsed.schemaVersion, gitSha: parsed.gitSha, previous: parsed.previous, apps }, null, 2)}\n`;
}

/** Parses a release document; `source` names where it came from in the error. */
export function parseRelease(text: string, source: string): ReleaseManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not JSON: ${(error as Error).message}`, ExitCode.usage);
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version === 1) {
    // A version-1 chart entry is the content digest of a checkout folder: nothing in a registry to install from.
    throw new CliError(
      `${source} has schemaVersion 1 (charts recorded by checkout content); this shipyard reads schemaVersion ${releaseSchemaVersion} (charts as OCI artifacts). ` +
        'Make a complete release with it: push every chart (shipyard charts push --all) and build every image, or pass --previous a release of schemaVersion 2',
      ExitCode.usage,
    );
  }
  if (version !== undefined && version !== releaseSchemaVersion) {
    throw new CliError(`${source} has schemaVersion ${JSON.stringify(version)}; this shipyard reads schemaVersion ${releaseSchemaVersion} (upgrade the CLI)`, ExitCode.usage);
  }
  const parsed = releaseManifestSchema.safeParse(data);
  if (!parsed.success) {
    throw new CliError(`${source} is not a valid release manifest:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`, ExitCode.usage);
  }
  return parsed.data;
}

/** `<registry>/<repository>@<digest>` of one app: what the cluster pulls. */
export function imageReference(registry: string, app: ReleaseApp): string {
  return `${registry}/${app.image.repository}@${app.image.digest}`;
}

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

/**
 * Version 1, read only to carry its images over: its chart entries are the content digest of a
 * checkout folder, nothing a registry holds, so they cannot be carried over or deployed.
 */
const releaseManifestV1Schema = z.strictObject({
  schemaVersion: z.literal(1),
  gitSha,
  previous: z.strictObject({ gitSha, digest }).nullable(),
  apps: z.record(kebab, z.strictObject({ image: releaseAppSchema.shape.image, chart: z.strictObject({ name: kebab, version: z.string().min(1), digest }), gitSha })),
});

/** What a new release can carry over from an earlier one: its images, and its charts unless it predates chart artifacts (null). */
export interface CarrySource {
  schemaVersion: number;
  gitSha: string;
  apps: Record<string, { image: ReleaseApp['image']; chart: ReleaseApp['chart'] | null; gitSha: string }>;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not JSON: ${(error as Error).message}`, ExitCode.usage);
  }
}

function checked<T>(schema: z.ZodType<T>, data: unknown, source: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new CliError(`${source} is not a valid release manifest:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`, ExitCode.usage);
  }
  return parsed.data;
}

/** Parses a release document; `source` names where it came from in the error. */
export function parseRelease(text: string, source: string): ReleaseManifest {
  const data = parseJson(text, source);
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version === 1) {
    throw new CliError(
      `${source} has schemaVersion 1 (charts recorded by checkout content); this shipyard deploys schemaVersion ${releaseSchemaVersion} (charts as OCI artifacts). ` +
        'Deploy a release made by this shipyard (release create still carries the images of a version-1 release over; its charts must be pushed once: shipyard charts push --all)',
      ExitCode.usage,
    );
  }
  if (version !== undefined && version !== releaseSchemaVersion) {
    throw new CliError(`${source} has schemaVersion ${JSON.stringify(version)}; this shipyard reads schemaVersion ${releaseSchemaVersion} (upgrade the CLI)`, ExitCode.usage);
  }
  return checked(releaseManifestSchema, data, source);
}

/** Parses a release to carry over from: the current version, or version 1 (its images only). */
export function parseCarrySource(text: string, source: string): CarrySource {
  const data = parseJson(text, source);
  if ((data as { schemaVersion?: unknown } | null)?.schemaVersion !== 1) return parseRelease(text, source);
  const legacy = checked(releaseManifestV1Schema, data, source);
  return { schemaVersion: 1, gitSha: legacy.gitSha, apps: Object.fromEntries(Object.entries(legacy.apps).map(([app, entry]) => [app, { image: entry.image, chart: null, gitSha: entry.gitSha }])) };
}

/** `<registry>/<repository>@<digest>` of one app: what the cluster pulls. */
export function imageReference(registry: string, app: ReleaseApp): string {
  return `${registry}/${app.image.repository}@${app.image.digest}`;
}

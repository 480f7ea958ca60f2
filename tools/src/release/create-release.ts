import { existsSync, readFileSync } from 'node:fs';
import { CliError, ExitCode } from '../cli/errors';
import { type DigestFile, mergeDigestFile } from '../images/digest-file';
import type { DeployableApp } from './deployable-apps';
import { type ReleaseApp, type ReleaseManifest, releaseManifestSchema } from './release-manifest';

export interface PreviousRelease {
  manifest: ReleaseManifest;
  digest: string;
  /** How it was found, for messages (e.g. "--previous env-dev", "nearest earlier release 1a2b…"). */
  how: string;
}

export interface CreateReleaseInput {
  sha: string;
  registry: string;
  apps: readonly DeployableApp[];
  /** dist/images.json of this run: the apps built now. */
  images: DigestFile;
  previous: PreviousRelease | null;
}

export interface CreatedRelease {
  manifest: ReleaseManifest;
  built: string[];
  carried: string[];
  warnings: string[];
}

/**
 * The images file of the image step; absent means no image was built in this run (a chart-only
 * change), so every app is carried over.
 */
export function readImagesFile(file: string): { images: DigestFile; found: boolean } {
  if (!existsSync(file)) return { images: {}, found: false };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`images file ${file} is not JSON: ${(error as Error).message}`, ExitCode.usage);
  }
  return { images: mergeDigestFile(data, {}), found: true };
}

/** Splits `<registry>/<path>` of the images file; the image must live in the release's registry. */
export function repositoryPath(repository: string, registry: string, app: string): string {
  const prefix = `${registry}/`;
  if (!repository.startsWith(prefix)) {
    throw new CliError(`images file: ${app} was pushed to ${repository}, not to the release registry ${registry} (pass --registry ${repository.split('/')[0]})`, ExitCode.usage);
  }
  return repository.slice(prefix.length);
}

/** The git sha an image tag names: `<sha>` or `<sha>-dirty` (built from uncommitted changes). */
function tagSha(tag: string): { sha: string; dirty: boolean } | null {
  const match = /^([0-9a-f]{40})(-dirty)?$/.exec(tag);
  return match ? { sha: match[1], dirty: Boolean(match[2]) } : null;
}

/**
 * A complete release: every deployable app, with the image built in this run when the images
 * file has it, else the entry of the previous release (same image, same commit it was built
 * from). Charts are always this commit's: their version and content digest.
 */
export function createRelease(input: CreateReleaseInput): CreatedRelease {
  const { sha, registry, apps, images, previous } = input;
  const known = new Set(apps.map((app) => app.name));
  const unknown = Object.keys(images).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new CliError(`images file names ${unknown.join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not a deployable app (deployable: ${[...known].join(', ')})`, ExitCode.usage);
  }
  const warnings: string[] = [];
  const built: string[] = [];
  const carried: string[] = [];
  const missing: string[] = [];
  const entries: Record<string, ReleaseApp> = {};
  for (const app of apps) {
    const chart = { name: app.chart.name, version: app.chart.version, digest: app.chartDigest };
    const image = images[app.name];
    if (image) {
      const fromTag = tagSha(image.tag);
      if (!fromTag || fromTag.sha !== sha) {
        throw new CliError(`images file: ${app.name} is tagged ${image.tag}, but this release is for ${sha}; images of this run are tagged with its sha`, ExitCode.usage);
      }
      if (fromTag.dirty) warnings.push(`${app.name}: image ${image.tag} was built from uncommitted changes`);
      entries[app.name] = { image: { repository: repositoryPath(image.repository, registry, app.name), tag: image.tag, digest: image.digest }, chart, gitSha: sha };
      built.push(app.name);
      continue;
    }
    const earlier = previous?.manifest.apps[app.name];
    if (!earlier) {
      missing.push(app.name);
      continue;
    }
    entries[app.name] = { image: earlier.image, chart, gitSha: earlier.gitSha };
    carried.push(app.name);
  }
  if (missing.length > 0) {
    const why = previous
      ? `the previous release (${previous.how}) has no entry for ${missing.length === 1 ? 'it' : 'them'} either`
      : 'and there is no previous release to carry them over from';
    throw new CliError(
      `no image for ${missing.join(', ')}: the images file does not have ${missing.length === 1 ? 'it' : 'them'}, ${why}. ` +
        'Build and push those images (npx shipyard images build/push), or name the release to carry over from with --previous',
      ExitCode.usage,
    );
  }
  const manifest = releaseManifestSchema.parse({
    schemaVersion: 1,
    gitSha: sha,
    previous: carried.length > 0 && previous ? { gitSha: previous.manifest.gitSha, digest: previous.digest } : null,
    apps: entries,
  });
  return { manifest, built, carried, warnings };
}

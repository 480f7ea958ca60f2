import { existsSync } from 'node:fs';
import { CliError, ExitCode } from '../cli/errors';
import { readJsonFile } from '../cli/step-files';
import { type ChartsFile, readChartsFile } from '../charts/publish';
import { type DigestFile, mergeDigestFile } from '../images/digest-file';
import type { DeployableApp } from './deployable-apps';
import { type CarrySource, type ReleaseApp, type ReleaseManifest, releaseManifestSchema, releaseSchemaVersion } from './release-manifest';

export interface PreviousRelease {
  /** A release of this shipyard, or a version-1 one (its images only). */
  manifest: CarrySource;
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
  /** dist/charts.json of this run: the charts pushed now (those of the affected apps). */
  charts: ChartsFile;
  previous: PreviousRelease | null;
}

export interface CreatedRelease {
  manifest: ReleaseManifest;
  built: string[];
  carried: string[];
  /** Apps whose chart was pushed in this run; the others carry the previous release's chart. */
  chartsPushed: string[];
  chartsCarried: string[];
  warnings: string[];
}

/**
 * The images file of the image step; absent means no image was built in this run (a chart-only
 * change), so every app is carried over.
 */
export function readImagesFile(file: string): { images: DigestFile; found: boolean } {
  if (!existsSync(file)) return { images: {}, found: false };
  return { images: mergeDigestFile(readJsonFile(file, 'images file'), {}), found: true };
}

/**
 * The charts file of the chart step; absent means no chart was pushed in this run (no chart
 * affected), so every chart is carried over.
 */
export function readChartsFileIfAny(file: string): { charts: ChartsFile; found: boolean } {
  return existsSync(file) ? { charts: readChartsFile(file), found: true } : { charts: {}, found: false };
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

function refuseUnknown(what: string, names: readonly string[], known: ReadonlySet<string>): void {
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new CliError(`${what} names ${unknown.join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not a deployable app (deployable: ${[...known].join(', ')})`, ExitCode.usage);
  }
}

/**
 * The chart of one app: pushed in this run (charts file, keyed by chart name), else the previous
 * release's. Carrying it over keeps its version, so helm's chart label, and with it every
 * unchanged Deployment, stays as it is.
 */
function chartOf(app: DeployableApp, charts: ChartsFile, sha: string, registry: string, earlier: CarrySource['apps'][string] | undefined): { chart: ReleaseApp['chart']; pushed: boolean } | null {
  const artifact = charts[app.chart.name];
  if (artifact) {
    if (!artifact.version.endsWith(sha.slice(0, 12))) {
      throw new CliError(`charts file: ${app.chart.name} ${artifact.version} was not pushed for ${sha} (its version ends with the commit's short sha)`, ExitCode.usage);
    }
    return { chart: { name: app.chart.name, ...artifact }, pushed: true };
  }
  if (!earlier?.chart) return null;
  if (earlier.chart.name !== app.chart.name) {
    throw new CliError(`${app.name}: the previous release deploys chart ${earlier.chart.name}, this checkout charts/${app.chart.name}; push it (shipyard charts push ${app.chart.name} --registry ${registry})`, ExitCode.usage);
  }
  return { chart: earlier.chart, pushed: false };
}

/**
 * A complete release: every deployable app, with the image built in this run when the images
 * file has it, else the previous release's (same image, same commit it was built from); and
 * the chart pushed in this run when the charts file has it, else the previous release's.
 */
export function createRelease(input: CreateReleaseInput): CreatedRelease {
  const { sha, registry, apps, images, charts, previous } = input;
  const known = new Set(apps.map((app) => app.name));
  refuseUnknown('images file', Object.keys(images), known);
  refuseUnknown('charts file', Object.keys(charts), new Set(apps.map((app) => app.chart.name)));
  const warnings: string[] = [];
  const built: string[] = [];
  const carried: string[] = [];
  const chartsPushed: string[] = [];
  const chartsCarried: string[] = [];
  const missing: string[] = [];
  const missingCharts: string[] = [];
  const entries: Record<string, ReleaseApp> = {};
  for (const app of apps) {
    const earlier = previous?.manifest.apps[app.name];
    const found = chartOf(app, charts, sha, registry, earlier);
    if (!found) missingCharts.push(app.name);
    else (found.pushed ? chartsPushed : chartsCarried).push(app.name);
    let imageEntry: Pick<ReleaseApp, 'image' | 'gitSha'> | null = null;
    const image = images[app.name];
    if (image) {
      const fromTag = tagSha(image.tag);
      if (!fromTag || fromTag.sha !== sha) {
        throw new CliError(`images file: ${app.name} is tagged ${image.tag}, but this release is for ${sha}; images of this run are tagged with its sha`, ExitCode.usage);
      }
      if (fromTag.dirty) warnings.push(`${app.name}: image ${image.tag} was built from uncommitted changes`);
      imageEntry = { image: { repository: repositoryPath(image.repository, registry, app.name), tag: image.tag, digest: image.digest }, gitSha: sha };
      built.push(app.name);
    } else if (earlier) {
      imageEntry = { image: earlier.image, gitSha: earlier.gitSha };
      carried.push(app.name);
    } else missing.push(app.name);
    // An app missing its image or chart is reported below, with every other one missing.
    if (imageEntry && found) entries[app.name] = { ...imageEntry, chart: found.chart };
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
  if (missingCharts.length > 0) {
    const why = !previous
      ? 'and there is no previous release to carry them over from'
      : previous.manifest.schemaVersion === 1
        ? `and the previous release (${previous.how}) is schemaVersion 1, whose charts were checkout content, not artifacts: push every chart once (npx shipyard charts push --all)`
        : `the previous release (${previous.how}) has no entry for ${missingCharts.length === 1 ? 'it' : 'them'} either`;
    throw new CliError(
      `no chart for ${missingCharts.join(', ')}: the charts file does not have ${missingCharts.length === 1 ? 'it' : 'them'}, ${why}. ` +
        `Push ${missingCharts.length === 1 ? 'it' : 'them'} (npx shipyard charts push ${missingCharts.join(' ')} --sha ${sha}), or name the release to carry over from with --previous`,
      ExitCode.usage,
    );
  }
  const manifest = releaseManifestSchema.parse({
    schemaVersion: releaseSchemaVersion,
    gitSha: sha,
    previous: (carried.length > 0 || chartsCarried.length > 0) && previous ? { gitSha: previous.manifest.gitSha, digest: previous.digest } : null,
    apps: entries,
  });
  return { manifest, built, carried, chartsPushed, chartsCarried, warnings };
}

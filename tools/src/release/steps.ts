import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { createRelease, type CreatedRelease, readChartsFileIfAny, readImagesFile } from './create-release';
import type { DeployableApp } from './deployable-apps';
import { findPreviousRelease, type GitHistory } from './previous-release';
import { parseRelease, type ReleaseManifest, serializeRelease } from './release-manifest';
import type { ReleaseStore } from './release-store';

type Log = (line: string) => void;

export interface CreateStepOptions {
  sha: string;
  imagesFile: string;
  /** dist/charts.json of `shipyard charts push`. */
  chartsFile: string;
  outFile: string;
  previous?: string;
  registry: string;
  apps: readonly DeployableApp[];
  /** Opened only when a previous release must be read. */
  openStore: () => Promise<Pick<ReleaseStore, 'findCarrySource'>>;
  git: GitHistory;
  log: Log;
}

/** release create: the complete manifest for --sha, written to --out. */
export async function createReleaseFile(options: CreateStepOptions): Promise<CreatedRelease> {
  const { sha, log } = options;
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new CliError(`--sha "${sha}" must be a full 40-character git commit sha`, ExitCode.usage);
  const { images, found } = readImagesFile(options.imagesFile);
  log(found ? `images file ${options.imagesFile}: ${Object.keys(images).join(', ') || 'no images'}` : `images file ${options.imagesFile} does not exist: no image was built in this run`);
  const { charts, found: chartsFound } = readChartsFileIfAny(options.chartsFile);
  log(chartsFound ? `charts file ${options.chartsFile}: ${Object.keys(charts).join(', ') || 'no charts'}` : `charts file ${options.chartsFile} does not exist: no chart was pushed in this run`);
  const needed = options.apps.some((app) => !images[app.name] || !charts[app.chart.name]);
  const previous =
    needed || options.previous
      ? await findPreviousRelease({ sha, explicit: options.previous, needed, store: await options.openStore(), git: options.git, log })
      : null;
  const created = createRelease({ sha, registry: options.registry, apps: options.apps, images, charts, previous });
  for (const warning of created.warnings) log(`warning: ${warning}`);
  mkdirSync(path.dirname(options.outFile), { recursive: true });
  const temporary = `${options.outFile}.${process.pid}.tmp`;
  writeFileSync(temporary, serializeRelease(created.manifest));
  renameSync(temporary, options.outFile);
  return created;
}

export function readReleaseFile(file: string): ReleaseManifest {
  if (!existsSync(file)) throw new CliError(`release file ${file} does not exist (write it with \`shipyard release create\`)`, ExitCode.usage);
  return parseRelease(readFileSync(file, 'utf8'), file);
}

/** One line per app: what the release deploys and where it came from. */
export function describeRelease(manifest: ReleaseManifest, registry: string): string[] {
  return Object.entries(manifest.apps).map(([app, entry]) => {
    const origin = entry.gitSha === manifest.gitSha ? 'built' : `carried over from ${entry.gitSha.slice(0, 12)}`;
    return `${app.padEnd(16)} ${registry}/${entry.image.repository}@${entry.image.digest.slice(0, 19)}…  chart ${entry.chart.repository}:${entry.chart.version}@${entry.chart.digest.slice(0, 19)}…  (image ${origin})`;
  });
}

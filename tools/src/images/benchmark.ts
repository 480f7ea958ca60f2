import fs from 'node:fs';
import path from 'node:path';
import type { ProjectGraph } from '@nx/devkit';
import { listRepositoryFiles } from '../repo/tracked-files';
import { resolveBaseImages } from './base-images';
import { prepareBuildContext } from './build-context';
import { dockerBuild, inspectImage, requireDockerEngine, stepUsedCache } from './docker-engine';
import { hostNpmCacheDir, seedNpmCache } from './npm-cache';
import { type Lockfile, withResolvedUrls } from './prune';
import { runCommand } from './run-command';
import { serviceBuildRequest } from './service-images';
import { readGitRevision, readPinnedNodeVersion } from './workspace-facts';

type Log = (line: string) => void;

/** Context preparation reports what it copies; the benchmark only reports its figures. */
const quiet: Log = () => undefined;

export interface BenchmarkRow {
  app: string;
  imageBytes: number;
  naiveBytes: number;
  /** image / naive: the target is at most 0.5. */
  sizeRatio: number;
  coldSeconds: number;
  rebuildSeconds: number;
  /** rebuild / cold: the target is at most 0.25. */
  timeRatio: number;
  /** The `npm ci` layer of the rebuild came from the builder's cache. */
  dependenciesFromCache: boolean;
}

const benchmarkRepository = 'shipyard-benchmark';

/** Size of an image without the layer created by the instruction containing `needle`. */
async function sizeWithoutLayer(image: string, needle: string): Promise<number> {
  const details = await inspectImage(image);
  const history = (await runCommand('docker', ['history', '--no-trunc', '--human=false', '--format', '{{.Size}}\t{{.CreatedBy}}', image])).stdout;
  const layer = history
    .split('\n')
    .map((line) => line.split('\t'))
    .find(([, createdBy]) => createdBy?.includes(needle));
  return (details?.size ?? 0) - Number(layer?.[0] ?? 0);
}

/**
 * The naive single-stage image: the whole repository (what git would commit, plus the built
 * dist folders) and a full offline `npm ci` of the workspace lockfile, on the same build base.
 */
async function buildNaiveImage(workspaceRoot: string, buildBase: string, apps: string[], log: Log): Promise<Map<string, number>> {
  const context = path.join(workspaceRoot, 'tmp', 'images', 'benchmark-naive');
  fs.rmSync(context, { recursive: true, force: true });
  const repo = path.join(context, 'repo');
  const files = listRepositoryFiles(workspaceRoot).filter((file) => fs.statSync(path.join(workspaceRoot, file), { throwIfNoEntry: false })?.isFile());
  for (const folder of ['apps', 'libs']) {
    for (const project of fs.readdirSync(path.join(workspaceRoot, folder))) {
      const dist = path.join(folder, project, 'dist');
      if (fs.existsSync(path.join(workspaceRoot, dist))) {
        files.push(...(fs.readdirSync(path.join(workspaceRoot, dist), { recursive: true, encoding: 'utf8' }) as string[]).map((f) => path.join(dist, f)));
      }
    }
  }
  for (const file of files) {
    const source = path.join(workspaceRoot, file);
    if (!fs.statSync(source).isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.copyFileSync(source, path.join(repo, file));
  }
  const rootLock = withResolvedUrls(JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package-lock.json'), 'utf8')) as Lockfile);
  fs.writeFileSync(path.join(repo, 'package-lock.json'), `${JSON.stringify(rootLock, null, 2)}\n`);
  const tarballs = await seedNpmCache(rootLock, await hostNpmCacheDir(), path.join(context, 'npm-cache'), log, { fetchMissing: false });
  log(`naive: ${files.length} repository files, ${tarballs} tarballs; building once for ${apps.join(', ')}…`);
  const sizes = new Map<string, number>();
  for (const app of apps) {
    const tag = `${benchmarkRepository}/naive:${app}`;
    await dockerBuild({
      dockerfile: path.join(workspaceRoot, 'tools', 'docker', 'naive-single-stage.Dockerfile'),
      context,
      tags: [tag],
      buildArgs: { BASE: buildBase, APP: app },
      network: 'none',
      quiet: true,
    });
    sizes.set(app, await sizeWithoutLayer(tag, 'in /tmp/npm-cache/'));
  }
  return sizes;
}

/**
 * For each service, in one run: image size against the naive single-stage image, and a cold
 * build (no layer cache) against a rebuild after a one-line change. The change is appended to
 * the compiled main.js in the prepared context rather than to apps/<app>/src, which other
 * people may be editing; tsc time is therefore in neither figure.
 */
export async function runBenchmark(apps: string[], graph: ProjectGraph, options: { workspaceRoot: string; env: NodeJS.ProcessEnv; log: Log }): Promise<BenchmarkRow[]> {
  const { workspaceRoot, log } = options;
  await requireDockerEngine();
  const { images: bases } = resolveBaseImages(readPinnedNodeVersion(workspaceRoot), options.env);
  const revision = await readGitRevision(workspaceRoot);
  const naiveSizes = await buildNaiveImage(workspaceRoot, bases.build, apps, log);

  const rows: BenchmarkRow[] = [];
  for (const app of apps) {
    const contextDir = path.join(workspaceRoot, 'tmp', 'images', 'benchmark', app);
    const build = async (stage: 'cold' | 'rebuild', change?: (dir: string) => void) => {
      const started = Date.now();
      const context = await prepareBuildContext({ app, graph, workspaceRoot, contextDir, dependencies: { kind: 'offline' }, log: quiet });
      change?.(context.contextDir);
      const result = await dockerBuild(
        serviceBuildRequest({
          workspaceRoot,
          contextDir,
          tags: [`${benchmarkRepository}/${app}:${stage}`],
          bases,
          labels: { source: 'benchmark', revision: revision.sha, created: new Date().toISOString(), version: context.manifest.version, title: app },
          dependencies: { kind: 'offline' },
          env: options.env,
          noCache: stage === 'cold',
          quiet: true,
        }),
      );
      return { seconds: (Date.now() - started) / 1000, result };
    };
    log(`${app}: cold build (no layer cache)…`);
    const cold = await build('cold');
    log(`${app}: rebuild after a one-line change…`);
    const rebuild = await build('rebuild', (dir) => fs.appendFileSync(path.join(dir, 'payload', 'dist', 'main.js'), `// benchmark ${Date.now()}\n`));
    const imageBytes = (await inspectImage(rebuild.result.imageId))?.size ?? 0;
    const naiveBytes = naiveSizes.get(app) ?? 0;
    rows.push({
      app,
      imageBytes,
      naiveBytes,
      sizeRatio: imageBytes / naiveBytes,
      coldSeconds: cold.seconds,
      rebuildSeconds: rebuild.seconds,
      timeRatio: rebuild.seconds / cold.seconds,
      dependenciesFromCache: stepUsedCache(rebuild.result.output, 'npm ci'),
    });
  }
  const tags = [...apps.flatMap((app) => [`${benchmarkRepository}/${app}:cold`, `${benchmarkRepository}/${app}:rebuild`, `${benchmarkRepository}/naive:${app}`])];
  await runCommand('docker', ['image', 'rm', ...tags], { allowExitCodes: [1] });
  return rows;
}

export function formatBenchmark(rows: BenchmarkRow[]): string {
  const header = ['service', 'image MB', 'naive MB', 'size ratio', 'cold s', 'rebuild s', 'time ratio', 'npm ci cached'];
  const lines = rows.map((row) => [
    row.app,
    (row.imageBytes / 1e6).toFixed(1),
    (row.naiveBytes / 1e6).toFixed(1),
    row.sizeRatio.toFixed(3),
    row.coldSeconds.toFixed(1),
    row.rebuildSeconds.toFixed(1),
    row.timeRatio.toFixed(3),
    row.dependenciesFromCache ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  return [header, ...lines].map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  ')).join('\n');
}

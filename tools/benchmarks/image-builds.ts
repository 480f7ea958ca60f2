import fs from 'node:fs';
import path from 'node:path';
import type { ProjectGraph } from '@nx/devkit';
import { listRepositoryFiles } from '../src/secret-scan/tracked-files';
import { resolveBaseImages } from '../src/images/base-images';
import { prepareBuildContext } from '../src/images/build-context';
import { parseBuildkitProgress } from '../src/images/buildkit-progress';
import { type ImageBuilder, resolveImageBuilder } from '../src/images/buildx';
import { dockerBuild, type EngineEnv, inspectImage, requireDockerEngine, stepUsedCache } from '../src/images/docker-engine';
import { hostNpmCacheDir, seedNpmCache } from '../src/images/npm-cache';
import { type Lockfile, withResolvedUrls } from '../src/images/prune';
import { runCommand } from '../src/process/run-command';
import { type RegistryHttpProxy, startRegistryHttpProxy } from '../src/images/registry-http-proxy';
import { startScratchEngine } from '../src/images/scratch-engine';
import { pullLoopbackBases, serviceBuildRequest } from '../src/images/service-images';
import { readGitRevision, readPinnedNodeVersion } from '../src/images/workspace-facts';

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
  /** The same one-line change built by an engine with an empty layer cache (a fresh agent). */
  coldEngine: {
    /** Without any cache: every layer built, both bases pulled. */
    noCacheSeconds: number;
    noCacheBytesPulled: number;
    /** With --cache-from the image of the unchanged source in the registry (its inline cache). */
    registryCacheSeconds: number;
    registryCacheBytesPulled: number;
    /** Layer-making steps the registry cache answered, of all such steps. */
    stepsReused: number;
    steps: number;
    /** The `npm ci` step came from the registry cache. */
    dependenciesFromCache: boolean;
    /** registry cache / no cache: the target is at most 0.3. */
    timeRatio: number;
  };
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
async function buildNaiveImage(workspaceRoot: string, buildBase: string, apps: string[], builder: ImageBuilder, log: Log): Promise<Map<string, number>> {
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
    }, builder);
    sizes.set(app, await sizeWithoutLayer(tag, 'in /tmp/npm-cache/'));
  }
  return sizes;
}

/**
 * For each service, in one run: image size against the naive single-stage image; a cold
 * build (no layer cache) against a rebuild after a one-line change on this engine (the warm
 * figure); and the same one-line change on a scratch engine with an empty layer cache, as a
 * fresh hosted agent has it, built once with the registry cache of the unchanged image and
 * once with none. The change is appended to the compiled main.js in the prepared context
 * rather than to apps/<app>/src, which other people may be editing; tsc time is therefore in
 * no figure.
 */
export async function runBenchmark(
  apps: string[],
  graph: ProjectGraph,
  options: { workspaceRoot: string; registry: string; cacheDir: string; env: NodeJS.ProcessEnv; log: Log },
): Promise<BenchmarkRow[]> {
  const { workspaceRoot, log } = options;
  await requireDockerEngine();
  const builder = await resolveImageBuilder('buildkit', { cacheDir: options.cacheDir, env: options.env, log });
  const nodeVersion = readPinnedNodeVersion(workspaceRoot);
  const { images: bases, source } = resolveBaseImages(nodeVersion, options.env);
  const pullBases = !(await pullLoopbackBases(builder, bases, source, log));
  const revision = await readGitRevision(workspaceRoot);
  const naiveSizes = await buildNaiveImage(workspaceRoot, bases.build, apps, builder, log);

  // The scratch engine's BuildKit pulls bases and cache itself; loopback registries through a
  // plain-HTTP front (registry-http-proxy.ts), which also counts the bytes pulled.
  const proxies = new Map<string, RegistryHttpProxy>();
  const reach = async (registry: string) => {
    if (!registry.startsWith('127.')) return registry;
    if (!proxies.has(registry)) proxies.set(registry, await startRegistryHttpProxy(registry));
    return (proxies.get(registry) as RegistryHttpProxy).address;
  };
  const scratchBases = source.kind === 'mirror' ? resolveBaseImages(nodeVersion, { ...options.env, SHIPYARD_BASE_REGISTRY: await reach(source.registry) }).images : bases;
  const scratchRegistry = await reach(options.registry);
  const servedBytes = () => [...proxies.values()].reduce((sum, proxy) => sum + proxy.bytesServed(), 0);

  const rows: BenchmarkRow[] = [];
  const localTags: string[] = [];
  try {
    for (const app of apps) {
      const contextDir = path.join(workspaceRoot, 'tmp', 'images', 'benchmark', app);
      const cacheImage = `${options.registry}/${benchmarkRepository}/${app}:cache`;
      const build = async (stage: string, settings: { change?: (dir: string) => void; noCache?: boolean; cacheFrom?: string[]; engine?: EngineEnv; prepare?: boolean }) => {
        const served = servedBytes();
        const started = Date.now();
        const manifest = settings.prepare === false
          ? (JSON.parse(fs.readFileSync(path.join(contextDir, 'manifest', 'package.json'), 'utf8')) as { version: string })
          : (await prepareBuildContext({ app, graph, workspaceRoot, contextDir, dependencies: { kind: 'offline' }, log: quiet })).manifest;
        settings.change?.(contextDir);
        const tag = `${benchmarkRepository}/${app}:${stage}`;
        if (!settings.engine) localTags.push(tag);
        const result = await dockerBuild(
          serviceBuildRequest({
            workspaceRoot,
            contextDir,
            tags: [tag],
            bases: settings.engine ? scratchBases : bases,
            labels: { source: 'benchmark', revision: revision.sha, created: new Date().toISOString(), version: manifest.version, title: app },
            dependencies: { kind: 'offline' },
            env: options.env,
            noCache: settings.noCache,
            cacheFrom: settings.cacheFrom,
            pullBases: settings.engine ? true : pullBases,
            quiet: true,
          }),
          builder,
          settings.engine,
        );
        const seconds = (Date.now() - started) / 1000;
        const progress = parseBuildkitProgress(result.output);
        return { seconds, result, progress, bytesPulled: proxies.size > 0 ? servedBytes() - served : progress.bytesPulled };
      };
      log(`${app}: cold build (no layer cache)…`);
      const cold = await build('cold', { noCache: true });
      // The unchanged image, with its inline cache metadata, stands for the target branch's last image.
      await runCommand('docker', ['tag', cold.result.imageId, cacheImage]);
      await runCommand('docker', ['push', '--quiet', cacheImage]);
      localTags.push(cacheImage);
      log(`${app}: rebuild after a one-line change…`);
      const rebuild = await build('rebuild', { change: (dir) => fs.appendFileSync(path.join(dir, 'payload', 'dist', 'main.js'), `// benchmark ${Date.now()}\n`) });
      const imageBytes = (await inspectImage(rebuild.result.imageId))?.size ?? 0;
      const naiveBytes = naiveSizes.get(app) ?? 0;

      // The changed context stays as it is: both scratch-engine builds build exactly the rebuild's input.
      const onScratchEngine = async (label: string, cacheFrom: string[]) => {
        const engine = await startScratchEngine({ log });
        try {
          log(`${app}: one-line change on an empty engine, ${label}…`);
          return await build('scratch', { prepare: false, cacheFrom, engine: engine.env });
        } finally {
          await engine.stop();
        }
      };
      const scratchCacheImage = cacheImage.replace(options.registry, scratchRegistry);
      const withCache = await onScratchEngine(`registry cache from ${scratchCacheImage}`, [scratchCacheImage]);
      const withoutCache = await onScratchEngine('no cache', []);
      rows.push({
        app,
        imageBytes,
        naiveBytes,
        sizeRatio: imageBytes / naiveBytes,
        coldSeconds: cold.seconds,
        rebuildSeconds: rebuild.seconds,
        timeRatio: rebuild.seconds / cold.seconds,
        dependenciesFromCache: stepUsedCache(rebuild.result.output, 'npm ci'),
        coldEngine: {
          noCacheSeconds: withoutCache.seconds,
          noCacheBytesPulled: withoutCache.bytesPulled,
          registryCacheSeconds: withCache.seconds,
          registryCacheBytesPulled: withCache.bytesPulled,
          stepsReused: withCache.progress.steps.filter((step) => step.cached).length,
          steps: withCache.progress.steps.length,
          dependenciesFromCache: stepUsedCache(withCache.result.output, 'npm ci'),
          timeRatio: withCache.seconds / withoutCache.seconds,
        },
      });
    }
  } finally {
    for (const proxy of proxies.values()) await proxy.close();
  }
  const tags = [...localTags, ...apps.map((app) => `${benchmarkRepository}/naive:${app}`)];
  await runCommand('docker', ['image', 'rm', ...tags], { allowExitCodes: [1] });
  return rows;
}

const table = (header: string[], lines: string[][]) => {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  return [header, ...lines].map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  ')).join('\n');
};
const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

export function formatBenchmark(rows: BenchmarkRow[]): string {
  const warm = table(
    ['service', 'image MB', 'naive MB', 'size ratio', 'cold s', 'rebuild s', 'time ratio', 'npm ci cached'],
    rows.map((row) => [
      row.app,
      megabytes(row.imageBytes),
      megabytes(row.naiveBytes),
      row.sizeRatio.toFixed(3),
      row.coldSeconds.toFixed(1),
      row.rebuildSeconds.toFixed(1),
      row.timeRatio.toFixed(3),
      row.dependenciesFromCache ? 'yes' : 'NO',
    ]),
  );
  const cold = table(
    ['service', 'no cache s', 'pulled MB', 'registry cache s', 'pulled MB', 'layers reused', 'npm ci cached', 'time ratio'],
    rows.map(({ app, coldEngine: c }) => [
      app,
      c.noCacheSeconds.toFixed(1),
      megabytes(c.noCacheBytesPulled),
      c.registryCacheSeconds.toFixed(1),
      megabytes(c.registryCacheBytesPulled),
      `${c.stepsReused}/${c.steps}`,
      c.dependenciesFromCache ? 'yes' : 'NO',
      c.timeRatio.toFixed(3),
    ]),
  );
  return [
    'This engine (warm: bases and layer cache present). Targets: size ratio <= 0.5, time ratio <= 0.25.',
    warm,
    '',
    'Empty engine (a fresh agent), the same one-line change. Target: time ratio (registry cache / no cache) <= 0.3.',
    cold,
  ].join('\n');
}

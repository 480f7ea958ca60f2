import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { validateRegistry } from '../images/base-images';
import { buildBaseImages } from '../images/base-builder';
import { formatBenchmark, runBenchmark } from '../../benchmarks/image-builds';
import type { DependencySource } from '../images/build-context';
import { builderEnvVariable, ensureBuildx, parseBuilderChoice, pinnedBuildxVersion } from '../images/buildx';
import { shipyardCacheDir } from '../images/cache-dir';
import { defaultImageRegistry } from '../images/image-tags';
import { buildServiceImages, defaultDigestFile, loadProjectGraph, pushServiceImages, selectApps } from '../images/service-images';
import { workspaceRoot } from '../workspace/root';

const progress = (line: string) => process.stderr.write(`[images] ${line}\n`);

const baseOptionsSchema = z.object({
  registry: z.string(),
  debianMirror: z.string().url(),
  refreshRootfs: z.boolean().default(false),
  builder: z.string().optional(),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

function baseCommand(): Command {
  return new Command('base')
    .description(
      'Build the two base images without pulling anything and push them to a registry: the build stage base ' +
        '(debootstrap Debian 12 minbase + Node from .nvmrc + npm) and the runtime base (scratch + Node + its shared ' +
        'libraries + CA bundle + user 10001). Skips a base whose inputs did not change.',
    )
    .option('--registry <host:port>', 'registry to push the bases to', process.env.SHIPYARD_BASE_REGISTRY?.trim() || '127.0.0.1:5000')
    .option('--debian-mirror <url>', 'Debian mirror for debootstrap', process.env.SHIPYARD_DEBIAN_MIRROR?.trim() || 'http://deb.debian.org/debian')
    .option('--refresh-rootfs', 'debootstrap a fresh rootfs (security updates) instead of the cached one')
    .option('--builder <buildkit|legacy>', `image builder (${builderEnvVariable}); legacy is Docker's deprecated builder, only on request`)
    .option('--dry-run', 'say what would be built or pushed, change nothing')
    .option('--json', 'print the outcome per base image as JSON')
    .action(async (raw) => {
      const options = baseOptionsSchema.parse(raw);
      const outcomes = await buildBaseImages({
        workspaceRoot,
        cacheDir: shipyardCacheDir(),
        registry: validateRegistry(options.registry, '--registry'),
        debianMirror: options.debianMirror,
        refreshRootfs: options.refreshRootfs,
        builder: parseBuilderChoice(options.builder, process.env),
        dryRun: options.dryRun,
        log: progress,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
      else for (const o of outcomes) process.stdout.write(`${o.role.padEnd(8)} ${o.action.padEnd(17)} ${o.reference}${o.digest ? `@${o.digest}` : ''}\n`);
    });
}

const defaultRegistry = () => process.env.SHIPYARD_REGISTRY?.trim() || defaultImageRegistry;

const buildOptionsSchema = z.object({
  all: z.boolean().default(false),
  registry: z.string(),
  movingTag: z.string().optional(),
  npmFromRegistry: z.boolean().default(false),
  buildCa: z.string().optional(),
  cache: z.boolean().default(true),
  cacheFromTag: z.string().optional(),
  builder: z.string().optional(),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

/**
 * Offline unless asked otherwise. Online, the extra CA is the one named, else the one this
 * machine's Node already trusts (NODE_EXTRA_CA_CERTS), and the choice is printed.
 */
function dependencySource(options: z.infer<typeof buildOptionsSchema>): DependencySource {
  if (!options.npmFromRegistry) {
    if (options.buildCa) throw new CliError('--build-ca only applies with --npm-from-registry (offline builds reach no registry)', ExitCode.usage);
    return { kind: 'offline' };
  }
  const named = options.buildCa ?? (process.env.SHIPYARD_BUILD_CA?.trim() || process.env.NODE_EXTRA_CA_CERTS?.trim());
  if (!named) return { kind: 'registry', extraCaFile: null };
  const file = path.resolve(named);
  if (!fs.existsSync(file)) throw new CliError(`extra CA file ${file} does not exist`, ExitCode.usage);
  return { kind: 'registry', extraCaFile: file };
}

function buildCommand(): Command {
  return new Command('build')
    .description(
      'Build service images from tools/docker/node-service.Dockerfile, each from a prepared context (pruned package.json + lockfile, ' +
        'built files). Tags <registry>/<app>:<git sha> (<sha>-dirty for an uncommitted tree). Bases: public defaults, or ' +
        'SHIPYARD_BASE_REGISTRY. Build the apps first (the docker-build Nx target does).',
    )
    .argument('[apps...]', 'apps to build (those with a docker-build target)')
    .option('--all', 'every app with a docker-build target')
    .option('--registry <host:port>', 'registry part of the image names (SHIPYARD_REGISTRY)', defaultRegistry())
    .option('--moving-tag <tag>', 'also tag <registry>/<app>:<tag> (e.g. main)')
    .option('--npm-from-registry', 'let npm ci download inside the build instead of installing offline from the local npm cache')
    .option('--build-ca <file>', 'extra CA for the build stage with --npm-from-registry (default SHIPYARD_BUILD_CA, then NODE_EXTRA_CA_CERTS)')
    .option('--no-cache', 'build every layer again')
    .option(
      '--cache-from-tag <tag>',
      "reuse layers from <registry>/<app>:<tag>, e.g. the target branch's moving tag main (its inline cache metadata; every BuildKit image carries it)",
    )
    .option('--builder <buildkit|legacy>', `image builder (${builderEnvVariable}); legacy is Docker's deprecated builder, only on request`)
    .option('--dry-run', 'prepare the build contexts and say what would be built')
    .option('--json', 'print the built images as JSON')
    .action(async (apps: string[], raw) => {
      const options = buildOptionsSchema.parse(raw);
      const graph = await loadProjectGraph();
      const selected = selectApps(graph, apps, options.all);
      const built = await buildServiceImages(selected, graph, {
        workspaceRoot,
        registry: validateRegistry(options.registry, '--registry'),
        movingTag: options.movingTag,
        dependencies: dependencySource(options),
        env: process.env,
        noCache: !options.cache,
        builder: parseBuilderChoice(options.builder, process.env),
        cacheDir: shipyardCacheDir(),
        cacheFromTag: options.cacheFromTag,
        dryRun: options.dryRun,
        log: progress,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(built, null, 2)}\n`);
      else for (const image of built) process.stdout.write(`${image.reference}${image.sizeBytes ? `  ${(image.sizeBytes / 1e6).toFixed(1)} MB` : ''}\n`);
    });
}

const pushOptionsSchema = z.object({
  all: z.boolean().default(false),
  registry: z.string(),
  movingTag: z.string().optional(),
  digestFile: z.string(),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

function pushCommand(): Command {
  return new Command('push')
    .description(
      "Push each app's image for the current commit and record repository, tag and digest in the digest file " +
        '(default dist/images.json, merged with existing entries); deploy steps use its `reference` (repo@sha256:…).',
    )
    .argument('[apps...]', 'apps to push')
    .option('--all', 'every app with a docker-build target that has a local image for this commit')
    .option('--registry <host:port>', 'registry to push to (SHIPYARD_REGISTRY)', defaultRegistry())
    .option('--moving-tag <tag>', 'also push <registry>/<app>:<tag>')
    .option('--digest-file <file>', 'where to record digests', defaultDigestFile(workspaceRoot))
    .option('--dry-run', 'say what would be pushed')
    .option('--json', 'print the recorded entries as JSON')
    .action(async (apps: string[], raw) => {
      const options = pushOptionsSchema.parse(raw);
      const graph = await loadProjectGraph();
      const records = await pushServiceImages(selectApps(graph, apps, options.all), {
        workspaceRoot,
        registry: validateRegistry(options.registry, '--registry'),
        movingTag: options.movingTag,
        digestFile: path.resolve(options.digestFile),
        skipMissing: options.all,
        dryRun: options.dryRun,
        log: progress,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      else for (const [app, record] of Object.entries(records)) process.stdout.write(`${app}  ${record.reference}\n`);
    });
}

function builderCommand(): Command {
  return new Command('builder')
    .description(
      `Make sure BuildKit's client is here: the docker CLI's buildx plugin, else buildx ${pinnedBuildxVersion} built once from the ` +
        'Go module proxy into the shipyard cache (<cache>/buildx/<version>-<go version>/cli-plugins/docker-buildx). Prints what image builds will use.',
    )
    .option('--build', 'build the pinned buildx even when docker has a buildx plugin')
    .option('--json', 'print the builder as JSON')
    .action(async (raw: { build?: boolean; json?: boolean }) => {
      const buildx = await ensureBuildx({ cacheDir: shipyardCacheDir(), env: process.env, log: progress, forceBuild: raw.build === true });
      if (raw.json) process.stdout.write(`${JSON.stringify(buildx, null, 2)}\n`);
      else process.stdout.write(`buildx ${buildx.version} (${buildx.source === 'built' ? buildx.binary : 'docker CLI plugin'})\n`);
    });
}

function benchmarkCommand(): Command {
  return new Command('benchmark')
    .description(
      'Print, per service: image size against a naive single-stage image (same base, full npm ci, sources copied), and a ' +
        'cold build (no layer cache) against a rebuild after a one-line change on this engine; then the same change on a ' +
        'scratch engine with an empty layer cache (a second dockerd, started and removed here; needs root), with the registry ' +
        'cache of the unchanged image and without. Builds throwaway images and removes them. ' +
        'Targets: size ratio <= 0.5, time ratio <= 0.25, empty-engine time ratio <= 0.3.',
    )
    .argument('[apps...]', 'apps to measure')
    .option('--all', 'every app with a docker-build target')
    .option('--registry <host:port>', 'registry that holds the cache image of the empty-engine builds (SHIPYARD_REGISTRY)', defaultRegistry())
    .option('--json', 'print the figures as JSON')
    .action(async (apps: string[], raw: { all?: boolean; registry: string; json?: boolean }) => {
      const graph = await loadProjectGraph();
      const rows = await runBenchmark(selectApps(graph, apps, raw.all === true), graph, {
        workspaceRoot,
        registry: validateRegistry(raw.registry, '--registry'),
        cacheDir: shipyardCacheDir(),
        env: process.env,
        log: progress,
      });
      process.stdout.write(`${raw.json ? JSON.stringify(rows, null, 2) : formatBenchmark(rows)}\n`);
    });
}

export function imagesCommand(): Command {
  const images = new Command('images').description(
    'Container images: base images built offline, one hardened image per service (tools/docker/node-service.Dockerfile), pushed by digest.',
  );
  images.addCommand(builderCommand());
  images.addCommand(baseCommand());
  images.addCommand(buildCommand());
  images.addCommand(pushCommand());
  images.addCommand(benchmarkCommand());
  return images;
}

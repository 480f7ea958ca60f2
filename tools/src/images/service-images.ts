import path from 'node:path';
import { createProjectGraphAsync, type ProjectGraph } from '@nx/devkit';
import { CliError, ExitCode } from '../cli/errors';
import { type BaseImages, type BaseImageSource, resolveBaseImages } from './base-images';
import { type DependencySource, prepareBuildContext } from './build-context';
import { type BuilderChoice, type ImageBuilder, resolveImageBuilder } from './buildx';
import { type ImageRecord, imageRecord, updateDigestFile } from './digest-file';
import { type BuildRequest, dockerBuild, type EngineEnv, dockerPush, inspectImage, inspectRemoteImage, requireDockerEngine } from './docker-engine';
import { imageName, validateMovingTag } from './image-tags';
import { runCommand } from '../process/run-command';
import { readGitRevision, readPinnedNodeVersion, readSourceUrl } from './workspace-facts';

type Log = (line: string) => void;

/** The Nx target that marks a project as a deployable image (and that `nx affected -t docker-build` runs). */
export const imageTarget = 'docker-build';

export const serviceDockerfile = (workspaceRoot: string) => path.join(workspaceRoot, 'tools', 'docker', 'node-service.Dockerfile');
export const contextDirFor = (workspaceRoot: string, app: string) => path.join(workspaceRoot, 'tmp', 'images', app, 'context');
export const defaultDigestFile = (workspaceRoot: string) => path.join(workspaceRoot, 'dist', 'images.json');

export function loadProjectGraph(): Promise<ProjectGraph> {
  return createProjectGraphAsync({ exitOnError: false });
}

/** Projects that declare a docker-build target, sorted. */
export function imageApps(graph: ProjectGraph): string[] {
  return Object.values(graph.nodes)
    .filter((node) => node.data.targets?.[imageTarget])
    .map((node) => node.name)
    .sort();
}

/** The apps a command acts on: the named ones (each must have an image) or, with --all, every one. */
export function selectApps(graph: ProjectGraph, requested: string[], all: boolean): string[] {
  const available = imageApps(graph);
  if (all && requested.length > 0) throw new CliError('name apps or pass --all, not both', ExitCode.usage);
  if (all) return available;
  if (requested.length === 0) throw new CliError(`name at least one app (${available.join(', ')}) or pass --all`, ExitCode.usage);
  const unknown = requested.filter((app) => !available.includes(app));
  if (unknown.length > 0) {
    throw new CliError(`no image for ${unknown.join(', ')}: apps with a ${imageTarget} target are ${available.join(', ')}`, ExitCode.usage);
  }
  return [...new Set(requested)];
}

const isLoopbackRegistry = (registry: string) => registry.startsWith('127.') || registry.startsWith('localhost');

/**
 * Proves a mirror actually holds the bases before a long build starts, so a missing mirror
 * fails early with the fix, rather than deep in `docker build` (and never by falling back).
 * Only loopback mirrors are checked here; a remote one (ACR) is checked by the pull itself.
 */
async function checkMirroredBases(images: BaseImages, registry: string): Promise<void> {
  if (!isLoopbackRegistry(registry)) return;
  for (const reference of [images.build, images.runtime]) {
    if (!(await inspectRemoteImage(reference))) {
      throw new CliError(
        `SHIPYARD_BASE_REGISTRY=${registry} has no ${reference}: run \`npx shipyard registry up && npx shipyard images base\`, or unset SHIPYARD_BASE_REGISTRY to use the public images`,
        ExitCode.environment,
      );
    }
  }
}

/**
 * Docker 20.10's BuildKit speaks plain HTTP to loopback registries, and the local one is HTTPS
 * (see registry-http-proxy.ts): with a loopback mirror the engine pulls the bases itself (fresh,
 * as --pull would) and the build uses them as they are. Returns whether it did.
 */
export async function pullLoopbackBases(builder: ImageBuilder, bases: BaseImages, source: BaseImageSource, log: Log, engine: EngineEnv = {}): Promise<boolean> {
  if (builder.kind !== 'buildkit' || source.kind !== 'mirror' || !isLoopbackRegistry(source.registry)) return false;
  for (const base of [bases.build, bases.runtime]) await runCommand('docker', ['pull', '--quiet', base], { env: { ...process.env, ...engine } });
  log(`pulled ${bases.build} and ${bases.runtime} into the engine (BuildKit reaches a loopback registry over plain HTTP only)`);
  return true;
}

export interface BuildOptions {
  workspaceRoot: string;
  registry: string;
  movingTag?: string;
  dependencies: DependencySource;
  env: NodeJS.ProcessEnv;
  noCache?: boolean;
  /** BuildKit unless the legacy builder is asked for. */
  builder: BuilderChoice;
  /** Where a buildx built here is kept (the shipyard cache). */
  cacheDir: string;
  /**
   * Reuse layers from <registry>/<app>:<tag> (the target branch's moving tag, e.g. main): a fresh
   * engine then pulls the dependency layer instead of running `npm ci` again. A tag that does
   * not exist yet only costs the lookup.
   */
  cacheFromTag?: string;
  dryRun: boolean;
  log: Log;
}

export interface BuiltImage {
  app: string;
  reference: string;
  movingReference: string | null;
  imageId: string | null;
  sizeBytes: number | null;
  bases: BaseImages;
  contextDir: string;
  contextDigest: string;
  seconds: number;
}

/** Proxy settings Docker passes as predefined build args (kept out of the image history). */
const proxyArgs = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/** The docker build of one prepared context with the shared Dockerfile: the same call for every service. */
export function serviceBuildRequest(options: {
  workspaceRoot: string;
  contextDir: string;
  tags: string[];
  bases: BaseImages;
  labels: { source: string; revision: string; created: string; version: string; title: string };
  dependencies: DependencySource;
  env: NodeJS.ProcessEnv;
  noCache?: boolean;
  cacheFrom?: string[];
  /** Re-resolve the bases from their registry during the build (default); off when the engine pulled them just before. */
  pullBases?: boolean;
  quiet?: boolean;
}): BuildRequest {
  const buildArgs: Record<string, string> = {
    BUILD_BASE: options.bases.build,
    RUNTIME_BASE: options.bases.runtime,
    OCI_SOURCE: options.labels.source,
    OCI_REVISION: options.labels.revision,
    OCI_CREATED: options.labels.created,
    OCI_VERSION: options.labels.version,
    OCI_TITLE: options.labels.title,
  };
  if (options.dependencies.kind === 'registry') {
    for (const variable of proxyArgs) if (options.env[variable]) buildArgs[variable] = options.env[variable] as string;
  }
  return {
    dockerfile: serviceDockerfile(options.workspaceRoot),
    context: options.contextDir,
    tags: options.tags,
    buildArgs,
    // Offline installs need no network at all; prove it by giving the build none.
    network: options.dependencies.kind === 'offline' ? 'none' : 'host',
    pull: options.pullBases ?? true,
    noCache: options.noCache,
    cacheFrom: options.cacheFrom,
    prefix: `[${options.labels.title}] `,
    quiet: options.quiet,
  };
}

export async function buildServiceImages(apps: string[], graph: ProjectGraph, options: BuildOptions): Promise<BuiltImage[]> {
  const { workspaceRoot, log } = options;
  if (!options.dryRun) await requireDockerEngine();
  const nodeVersion = readPinnedNodeVersion(workspaceRoot);
  const { images: bases, source } = resolveBaseImages(nodeVersion, options.env);
  log(
    source.kind === 'mirror'
      ? `base images from SHIPYARD_BASE_REGISTRY=${source.registry}: ${bases.build}, ${bases.runtime}`
      : `base images: public defaults ${bases.build}, ${bases.runtime} (set SHIPYARD_BASE_REGISTRY to use a mirror)`,
  );
  if (source.kind === 'mirror' && !options.dryRun) await checkMirroredBases(bases, source.registry);
  const revision = await readGitRevision(workspaceRoot);
  if (revision.dirty) log(`the working tree has uncommitted changes: tagging ${revision.sha}-dirty`);
  const sourceUrl = await readSourceUrl(workspaceRoot, options.env);
  const created = new Date().toISOString();
  let cacheFromTag = options.cacheFromTag === undefined ? undefined : validateMovingTag(options.cacheFromTag);
  if (cacheFromTag && options.builder === 'legacy') {
    log(`warning: the legacy builder cannot import a registry cache: --cache-from-tag ${cacheFromTag} is ignored`);
    cacheFromTag = undefined;
  }
  // A dry run builds no buildx; the legacy builder's warning is printed either way.
  const builder =
    options.dryRun && options.builder === 'buildkit' ? null : await resolveImageBuilder(options.builder, { cacheDir: options.cacheDir, env: options.env, log });
  const enginePullsBases = builder ? await pullLoopbackBases(builder, bases, source, log) : false;
  if (cacheFromTag && isLoopbackRegistry(options.registry)) {
    log(`note: BuildKit reads a loopback registry over plain HTTP only; an HTTPS one at ${options.registry} cannot serve the layer cache (the build goes on without it)`);
  }

  const built: BuiltImage[] = [];
  for (const app of apps) {
    const started = Date.now();
    const name = imageName(options.registry, app, revision, options.movingTag);
    const cacheFrom = cacheFromTag ? [imageName(options.registry, app, revision, cacheFromTag).movingReference as string] : [];
    const context = await prepareBuildContext({
      app,
      graph,
      workspaceRoot,
      contextDir: contextDirFor(workspaceRoot, app),
      dependencies: options.dependencies,
      log,
    });
    if (options.dryRun) {
      log(
        `${app}: would build ${name.reference}${name.movingReference ? ` and ${name.movingReference}` : ''} from ${context.contextDir}` +
          (cacheFrom.length > 0 ? `, reusing layers from ${cacheFrom.join(', ')}` : ''),
      );
      built.push({ app, reference: name.reference, movingReference: name.movingReference, imageId: null, sizeBytes: null, bases, contextDir: context.contextDir, contextDigest: context.digest, seconds: 0 });
      continue;
    }
    if (!builder) throw new Error('no image builder resolved');
    log(`${app}: building ${name.reference}${cacheFrom.length > 0 ? ` (layer cache from ${cacheFrom.join(', ')})` : ''}…`);
    const { imageId } = await dockerBuild(
      serviceBuildRequest({
        workspaceRoot,
        contextDir: context.contextDir,
        tags: [name.reference, ...(name.movingReference ? [name.movingReference] : [])],
        bases,
        labels: { source: sourceUrl, revision: revision.sha, created, version: context.manifest.version, title: app },
        dependencies: options.dependencies,
        env: options.env,
        noCache: options.noCache,
        cacheFrom,
        pullBases: !enginePullsBases,
      }),
      builder,
    );
    const details = await inspectImage(imageId);
    const seconds = (Date.now() - started) / 1000;
    log(`${app}: built ${name.reference} (${imageId.slice(7, 19)}, ${((details?.size ?? 0) / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s)`);
    built.push({
      app,
      reference: name.reference,
      movingReference: name.movingReference,
      imageId,
      sizeBytes: details?.size ?? null,
      bases,
      contextDir: context.contextDir,
      contextDigest: context.digest,
      seconds,
    });
  }
  return built;
}

export interface PushOptions {
  workspaceRoot: string;
  registry: string;
  movingTag?: string;
  digestFile: string;
  /** With --all: apps without a local image for this commit are skipped instead of failing. */
  skipMissing: boolean;
  dryRun: boolean;
  log: Log;
}

/** Pushes each app's image for the current commit and records repository@digest in the digest file. */
export async function pushServiceImages(apps: string[], options: PushOptions): Promise<Record<string, ImageRecord>> {
  const { log } = options;
  if (!options.dryRun) await requireDockerEngine();
  const revision = await readGitRevision(options.workspaceRoot);
  const records: Record<string, ImageRecord> = {};
  for (const app of apps) {
    const name = imageName(options.registry, app, revision, options.movingTag);
    const local = options.dryRun ? null : await inspectImage(name.reference);
    if (!options.dryRun && !local) {
      if (options.skipMissing) {
        log(`${app}: no local image ${name.reference}, skipped (not built for this commit)`);
        continue;
      }
      throw new CliError(`${app}: no local image ${name.reference}: run \`npx shipyard images build ${app}\` first`, ExitCode.usage);
    }
    if (options.dryRun) {
      log(`${app}: would push ${name.reference}${name.movingReference ? ` and ${name.movingReference}` : ''}, then record its digest in ${options.digestFile}`);
      continue;
    }
    log(`${app}: pushing ${name.reference}…`);
    const digest = await dockerPush(name.reference, `[${app}] `);
    if (name.movingReference) {
      await runCommand('docker', ['tag', name.reference, name.movingReference]);
      await dockerPush(name.movingReference, `[${app}] `);
    }
    records[app] = imageRecord(name.repository, name.tag, digest);
    log(`${app}: ${records[app].reference}`);
  }
  if (!options.dryRun && Object.keys(records).length > 0) {
    await updateDigestFile(options.digestFile, records);
    log(`recorded ${Object.keys(records).length} digest(s) in ${path.relative(options.workspaceRoot, options.digestFile)}`);
  }
  return records;
}

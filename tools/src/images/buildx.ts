import fs from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { runCommand } from '../process/run-command';

type Log = (line: string) => void;

/**
 * The buildx release built here when the docker CLI has no buildx plugin. v0.38.2 builds with
 * Go 1.26 and drives the BuildKit embedded in Docker Engine 20.10 (API 1.41) through its docker
 * driver; hosted agents bring their own, newer plugin and never build this one.
 */
export const pinnedBuildxVersion = 'v0.38.2';
export const buildxModule = 'github.com/docker/buildx';

/** How image builds are run: BuildKit through buildx (the default), or Docker's legacy builder on request. */
export type BuilderChoice = 'buildkit' | 'legacy';

export const builderEnvVariable = 'SHIPYARD_IMAGE_BUILDER';

/** One way to invoke `buildx`: the docker CLI plugin (`docker buildx …`) or the binary built here. */
export interface Buildx {
  /** Program and leading arguments: ['docker', 'buildx'] or [<cache>/…/docker-buildx]. */
  command: string[];
  /** Extra environment for that program (where the built binary keeps its builder state). */
  env: Record<string, string>;
  version: string;
  source: 'docker-plugin' | 'built';
  /** The binary, when built here; it is laid out as a CLI plugin (`docker --config <dir> buildx`). */
  binary: string | null;
}

export type ImageBuilder = { kind: 'buildkit'; buildx: Buildx } | { kind: 'legacy' };

/** `--builder`, else SHIPYARD_IMAGE_BUILDER, else BuildKit. Anything else is a usage error. */
export function parseBuilderChoice(flag: string | undefined, env: NodeJS.ProcessEnv): BuilderChoice {
  const raw = flag ?? env[builderEnvVariable]?.trim();
  if (!raw) return 'buildkit';
  const value = raw.toLowerCase();
  if (value === 'buildkit' || value === 'buildx') return 'buildkit';
  if (value === 'legacy') return 'legacy';
  const origin = flag === undefined ? `${builderEnvVariable}=${raw}` : `--builder ${raw}`;
  throw new CliError(`${origin}: the image builder is buildkit (default) or legacy`, ExitCode.usage);
}

export const legacyBuilderWarning =
  'building with Docker\'s legacy builder, as asked (--builder legacy / SHIPYARD_IMAGE_BUILDER=legacy): it is deprecated, ' +
  'exports no cache metadata and imports no registry cache; BuildKit (buildx) is the default';

/** `go env GOVERSION` → go1.26.8, or null when Go is not installed. */
async function goVersion(env: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    const version = (await runCommand('go', ['env', 'GOVERSION'], { env })).stdout.trim();
    return /^go\d+\.\d+/.test(version) ? version : null;
  } catch {
    return null;
  }
}

/** Where the binary for one buildx version built by one Go toolchain lives (a CLI plugin folder). */
export function buildxBinaryPath(cacheDir: string, buildxVersion: string, goToolchain: string): string {
  return path.join(cacheDir, 'buildx', `${buildxVersion}-${goToolchain}`, 'cli-plugins', 'docker-buildx');
}

/** The builder state (builder instances, build history) of the binary built here, kept out of ~/.docker. */
export const buildxStateDir = (cacheDir: string) => path.join(cacheDir, 'buildx', 'state');

/** Reads `buildx version` output: "github.com/docker/buildx v0.38.2 <commit>". */
export function parseBuildxVersion(output: string): string | null {
  return /\bv\d+\.\d+\.\d+\S*/.exec(output)?.[0] ?? null;
}

/** The docker CLI's own buildx plugin (hosted agents, Docker Desktop), or null when it has none. */
async function dockerBuildxPlugin(env: NodeJS.ProcessEnv): Promise<Buildx | null> {
  const result = await runCommand('docker', ['buildx', 'version'], { env, allowExitCodes: [1, 125] }).catch(() => null);
  const version = result?.exitCode === 0 ? parseBuildxVersion(result.stdout) : null;
  return version ? { command: ['docker', 'buildx'], env: {}, version, source: 'docker-plugin', binary: null } : null;
}

function builtBuildx(binary: string, cacheDir: string, version: string): Buildx {
  // Run standalone rather than through `docker --config`: the user's docker config (registry
  // credentials) stays the one in use, and builder state goes to the shipyard cache.
  return { command: [binary], env: { BUILDX_CONFIG: buildxStateDir(cacheDir) }, version, source: 'built', binary };
}

/** A build made earlier by any Go toolchain, for a machine where Go is gone. */
function anyCachedBuild(cacheDir: string, version: string): string | null {
  const root = path.join(cacheDir, 'buildx');
  const dirs = fs.existsSync(root) ? fs.readdirSync(root).filter((dir) => dir.startsWith(`${version}-go`)).sort() : [];
  const binary = dirs.map((dir) => path.join(root, dir, 'cli-plugins', 'docker-buildx')).find((file) => fs.existsSync(file));
  return binary ?? null;
}

export interface EnsureBuildxOptions {
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  log: Log;
  /** Build the pinned version even when docker has a buildx plugin. */
  forceBuild?: boolean;
  /** Seconds between progress lines while Go builds (the build is silent for minutes). */
  progressEverySeconds?: number;
}

/**
 * The buildx every image build uses: the docker CLI's plugin when it has one, else the pinned
 * version built once from the Go module proxy into <cache>/buildx/<version>-<go version>/.
 * Building prints a progress line every few seconds; a machine without Go gets a clear error.
 */
export async function ensureBuildx(options: EnsureBuildxOptions): Promise<Buildx> {
  const { cacheDir, env, log } = options;
  if (!options.forceBuild) {
    const plugin = await dockerBuildxPlugin(env);
    if (plugin) return plugin;
  }
  const toolchain = await goVersion(env);
  if (!toolchain) {
    const cached = anyCachedBuild(cacheDir, pinnedBuildxVersion);
    if (cached) return builtBuildx(cached, cacheDir, pinnedBuildxVersion);
    throw new CliError(
      `docker has no buildx plugin and Go is not installed to build ${buildxModule} ${pinnedBuildxVersion}: install Go (1.26) ` +
        'or the docker-buildx plugin, or build with --builder legacy',
      ExitCode.environment,
    );
  }
  const binary = buildxBinaryPath(cacheDir, pinnedBuildxVersion, toolchain);
  if (fs.existsSync(binary)) return builtBuildx(binary, cacheDir, pinnedBuildxVersion);

  const keyDir = path.dirname(path.dirname(binary));
  fs.mkdirSync(path.dirname(keyDir), { recursive: true });
  // A private GOBIN renamed into place: a build that fails or is interrupted leaves no binary behind,
  // and two builds at once both end with a complete one.
  const work = fs.mkdtempSync(path.join(path.dirname(keyDir), '.build-'));
  const started = Date.now();
  log(`building ${buildxModule} ${pinnedBuildxVersion} with ${toolchain} (Go module proxy; once per version, a few minutes)…`);
  const ticker = setInterval(
    () => log(`still building buildx ${pinnedBuildxVersion}… ${Math.round((Date.now() - started) / 1000)} s`),
    (options.progressEverySeconds ?? 5) * 1000,
  );
  try {
    const ldflags = [
      `-X ${buildxModule}/version.Version=${pinnedBuildxVersion}`,
      `-X ${buildxModule}/version.Package=${buildxModule}`,
      '-s -w',
    ].join(' ');
    // Default build settings otherwise, so that Go's build cache of an earlier build of the same
    // module (a few CPU-minutes of compiling) is reused: only the link step sees the flags.
    await runCommand('go', ['install', `-ldflags=${ldflags}`, `${buildxModule}/cmd/buildx@${pinnedBuildxVersion}`], {
      cwd: work,
      env: { ...env, GOBIN: path.join(work, 'bin'), GOFLAGS: '-mod=mod' },
      stream: true,
      prefix: '[buildx] ',
    });
    const built = path.join(work, 'bin', 'buildx');
    const version = parseBuildxVersion((await runCommand(built, ['version'])).stdout);
    if (version !== pinnedBuildxVersion) throw new CliError(`built buildx reports ${version ?? 'no version'}, expected ${pinnedBuildxVersion}`, ExitCode.failed);
    fs.mkdirSync(path.join(work, 'cli-plugins'));
    fs.renameSync(built, path.join(work, 'cli-plugins', 'docker-buildx'));
    fs.rmSync(path.join(work, 'bin'), { recursive: true, force: true });
    try {
      fs.renameSync(work, keyDir);
    } catch (error) {
      // Another process finished the same build first: keep its binary.
      if (!fs.existsSync(binary)) throw error;
    }
  } finally {
    clearInterval(ticker);
    fs.rmSync(work, { recursive: true, force: true });
  }
  log(`buildx ${pinnedBuildxVersion} ready in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return builtBuildx(binary, cacheDir, pinnedBuildxVersion);
}

/**
 * The builder for a run. BuildKit unless the legacy builder was asked for, which is then said
 * on every run; when buildx cannot be had the build stops — it never falls back on its own.
 */
export async function resolveImageBuilder(
  choice: BuilderChoice,
  options: { cacheDir: string; env: NodeJS.ProcessEnv; log: Log },
): Promise<ImageBuilder> {
  if (choice === 'legacy') {
    options.log(`warning: ${legacyBuilderWarning}`);
    return { kind: 'legacy' };
  }
  const buildx = await ensureBuildx(options);
  options.log(`builder: BuildKit, buildx ${buildx.version} (${buildx.source === 'built' ? buildx.binary : 'docker CLI plugin'})`);
  return { kind: 'buildkit', buildx };
}

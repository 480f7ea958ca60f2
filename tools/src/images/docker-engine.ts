import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { parseBuildkitProgress } from './buildkit-progress';
import type { ImageBuilder } from './buildx';
import { runCommand } from '../process/run-command';

const startHint = [
  'start the engine first, e.g. (as root, host networking):',
  '  dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false >/tmp/dockerd.log 2>&1 &',
  '  until docker info >/dev/null 2>&1; do sleep 1; done',
].join('\n');

/** Fails with a clear message (exit code 3) unless a Docker engine answers `docker info`. */
export async function requireDockerEngine(): Promise<string> {
  try {
    const { stdout } = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}']);
    const version = stdout.trim();
    if (!version) throw new Error('empty server version');
    return version;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n').slice(-3).join(' ') : String(error);
    throw new CliError(`no Docker engine answers \`docker info\` (${reason})\n${startHint}`, ExitCode.environment);
  }
}

export interface ImageDetails {
  id: string;
  size: number;
  labels: Record<string, string>;
  repoDigests: string[];
  user: string;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
}

/** Details of a local image, or null when the engine does not have it. */
export async function inspectImage(reference: string, engine: EngineEnv = {}): Promise<ImageDetails | null> {
  const result = await runCommand('docker', ['image', 'inspect', reference], { allowExitCodes: [1], env: { ...process.env, ...engine } });
  if (result.exitCode !== 0) return null;
  const [image] = JSON.parse(result.stdout) as Array<{
    Id: string;
    Size: number;
    RepoDigests: string[] | null;
    Config: { Labels: Record<string, string> | null; User: string; Env: string[] | null; Entrypoint: string[] | null; Cmd: string[] | null };
  }>;
  return {
    id: image.Id,
    size: image.Size,
    labels: image.Config.Labels ?? {},
    repoDigests: image.RepoDigests ?? [],
    user: image.Config.User,
    env: image.Config.Env ?? [],
    entrypoint: image.Config.Entrypoint,
    cmd: image.Config.Cmd,
  };
}

export interface BuildRequest {
  dockerfile: string;
  context: string;
  tags: string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** `none` for builds that must not reach any network (every dependency is in the context). */
  network: 'none' | 'host';
  /** Re-resolve FROM images from their registry (fresh bases), instead of trusting a local copy. */
  pull?: boolean;
  noCache?: boolean;
  /** Images whose inline cache metadata BuildKit may reuse layers from (e.g. the target branch's last image). */
  cacheFrom?: string[];
  prefix?: string;
  quiet?: boolean;
}

export interface BuildResult {
  imageId: string;
  /** The builder's step-by-step output (which steps came from cache). */
  output: string;
}

/** The engine a command talks to: the default one, or e.g. a scratch engine at DOCKER_HOST=unix://… */
export type EngineEnv = Record<string, string>;

/**
 * The arguments of `buildx build` for a request, with the docker driver of the engine: the
 * image lands in the engine (as with `docker build`), carries inline cache metadata so that a
 * later build on another machine can reuse its layers, and imports the cache of `cacheFrom`.
 */
export function buildkitArgs(request: BuildRequest, iidFile: string): string[] {
  const args = ['build', '--file', request.dockerfile, '--network', request.network, '--progress', 'plain', '--iidfile', iidFile];
  if (request.pull) args.push('--pull');
  if (request.noCache) args.push('--no-cache');
  for (const tag of request.tags) args.push('--tag', tag);
  for (const [name, value] of Object.entries(request.buildArgs ?? {})) args.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of Object.entries(request.labels ?? {})) args.push('--label', `${name}=${value}`);
  // Inline cache: the cache metadata rides in the image config, so `docker push` publishes it
  // with the image; the docker driver of an engine without the containerd store exports no other kind.
  args.push('--cache-to', 'type=inline');
  for (const reference of request.cacheFrom ?? []) args.push('--cache-from', `type=registry,ref=${reference}`);
  args.push(request.context);
  return args;
}

/** `docker build` arguments for the legacy builder (only on explicit request). */
export function legacyBuildArgs(request: BuildRequest): string[] {
  const args = ['build', '--file', request.dockerfile, '--network', request.network, '--force-rm'];
  if (request.pull) args.push('--pull');
  if (request.noCache) args.push('--no-cache');
  for (const tag of request.tags) args.push('--tag', tag);
  for (const [name, value] of Object.entries(request.buildArgs ?? {})) args.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of Object.entries(request.labels ?? {})) args.push('--label', `${name}=${value}`);
  args.push(request.context);
  return args;
}

/** Builds one image with the chosen builder, into the engine `engine` names (default: the usual one). */
export async function dockerBuild(request: BuildRequest, builder: ImageBuilder, engine: EngineEnv = {}): Promise<BuildResult> {
  let output: string;
  if (builder.kind === 'legacy') {
    if (request.cacheFrom?.length) throw new CliError('the legacy builder cannot import a registry cache (--cache-from-tag): use BuildKit', ExitCode.usage);
    const result = await runCommand('docker', legacyBuildArgs(request), {
      stream: !request.quiet,
      prefix: request.prefix,
      // DOCKER_BUILDKIT=0 selects the legacy builder in docker CLIs that default to BuildKit.
      env: { ...process.env, ...engine, DOCKER_BUILDKIT: '0' },
    });
    output = result.stdout;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-build-'));
    try {
      const iidFile = path.join(dir, 'iid');
      const [command, ...leading] = builder.buildx.command;
      const result = await runCommand(command, [...leading, ...buildkitArgs(request, iidFile)], {
        stream: !request.quiet,
        prefix: request.prefix,
        env: { ...process.env, ...builder.buildx.env, ...engine },
      });
      // BuildKit writes its progress to stderr.
      output = `${result.stdout}${result.stderr}`;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const image = await inspectImage(request.tags[0], engine);
  if (!image) throw new CliError(`the build reported success but ${request.tags[0]} is not in the engine`, ExitCode.failed);
  return { imageId: image.id, output };
}

/** Whether the build took the step whose instruction contains `needle` from its cache (either builder's output). */
export function stepUsedCache(output: string, needle: string): boolean {
  const lines = output.split('\n');
  const step = lines.findIndex((line) => /^Step \d+\/\d+ : /.test(line) && line.includes(needle));
  if (step !== -1) return lines.slice(step + 1).find((line) => line.startsWith(' ---> '))?.trim() === '---> Using cache';
  const vertex = parseBuildkitProgress(output).steps.find((candidate) => candidate.name.includes(needle));
  if (!vertex) throw new Error(`no build step contains "${needle}"`);
  return vertex.cached;
}

/**
 * Pushes one tag and returns the manifest digest the registry stored (read back from the
 * engine's RepoDigests for that repository, not scraped from progress output).
 */
export async function dockerPush(reference: string, prefix?: string): Promise<string> {
  await runCommand('docker', ['push', '--quiet', reference], { stream: true, prefix });
  const image = await inspectImage(reference);
  const repository = reference.replace(/:[\w][\w.-]*$/, '');
  const digest = image?.repoDigests.find((entry) => entry.startsWith(`${repository}@`))?.split('@')[1];
  if (!digest) throw new CliError(`pushed ${reference} but the engine recorded no digest for ${repository}`, ExitCode.failed);
  return digest;
}

/**
 * Labels and digest of a manifest in a registry, or null when the tag does not exist.
 * skopeo reads the registry directly (no pull); TLS checks are skipped only for loopback
 * registries, whose certificate is our own self-signed one.
 */
export async function inspectRemoteImage(reference: string): Promise<{ digest: string; labels: Record<string, string> } | null> {
  const loopback = reference.startsWith('127.') || reference.startsWith('localhost');
  const args = ['inspect', ...(loopback ? ['--tls-verify=false'] : []), `docker://${reference}`];
  const result = await runCommand('skopeo', args, { allowExitCodes: [1, 2] });
  if (result.exitCode !== 0) {
    if (/manifest unknown|not found|name unknown/i.test(result.stderr)) return null;
    throw new CliError(`cannot read ${reference} from its registry:\n${result.stderr.trim()}`, ExitCode.environment);
  }
  const parsed = JSON.parse(result.stdout) as { Digest: string; Labels: Record<string, string> | null };
  return { digest: parsed.Digest, labels: parsed.Labels ?? {} };
}

import { CliError, ExitCode } from '../cli/errors';
import { runCommand } from './run-command';

const startHint = [
  'start the engine first, e.g. (as root, no BuildKit, host networking):',
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
export async function inspectImage(reference: string): Promise<ImageDetails | null> {
  const result = await runCommand('docker', ['image', 'inspect', reference], { allowExitCodes: [1] });
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
  prefix?: string;
  quiet?: boolean;
}

export interface BuildResult {
  imageId: string;
  /** The builder's step-by-step output (which steps came from cache). */
  output: string;
}

/** `docker build` with the classic builder (the engine here has no BuildKit). */
export async function dockerBuild(request: BuildRequest): Promise<BuildResult> {
  const args = ['build', '--file', request.dockerfile, '--network', request.network, '--force-rm'];
  if (request.pull) args.push('--pull');
  if (request.noCache) args.push('--no-cache');
  for (const tag of request.tags) args.push('--tag', tag);
  for (const [name, value] of Object.entries(request.buildArgs ?? {})) args.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of Object.entries(request.labels ?? {})) args.push('--label', `${name}=${value}`);
  args.push(request.context);
  const { stdout } = await runCommand('docker', args, {
    stream: !request.quiet,
    prefix: request.prefix,
    // The classic builder; DOCKER_BUILDKIT=1 fails against this engine.
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  const image = await inspectImage(request.tags[0]);
  if (!image) throw new CliError(`docker build reported success but ${request.tags[0]} is not in the engine`, ExitCode.failed);
  return { imageId: image.id, output: stdout };
}

/** Whether the classic builder took the step whose instruction contains `needle` from its cache. */
export function stepUsedCache(output: string, needle: string): boolean {
  const lines = output.split('\n');
  const step = lines.findIndex((line) => /^Step \d+\/\d+ : /.test(line) && line.includes(needle));
  if (step === -1) throw new Error(`no build step contains "${needle}"`);
  return lines.slice(step + 1).find((line) => line.startsWith(' ---> '))?.trim() === '---> Using cache';
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

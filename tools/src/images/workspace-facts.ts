import fs from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { runCommand } from '../process/run-command';

/** The Node version pinned in .nvmrc: the single source for tests, CI and the base images. */
export function readPinnedNodeVersion(workspaceRoot: string): string {
  const file = path.join(workspaceRoot, '.nvmrc');
  const version = fs.readFileSync(file, 'utf8').trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new CliError(`${file} must hold an exact version like 24.21.0, found "${version}"`, ExitCode.usage);
  return version;
}

/** The npm version the workspace expects (root package.json `packageManager`, e.g. npm@11.19.1). */
export function readPinnedNpmVersion(workspaceRoot: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')) as { packageManager?: string };
  const match = /^npm@(\d+\.\d+\.\d+)$/.exec(manifest.packageManager ?? '');
  if (!match) throw new CliError('root package.json must declare "packageManager": "npm@<x.y.z>"', ExitCode.usage);
  return match[1];
}

export interface GitRevision {
  sha: string;
  /** Uncommitted or untracked (not ignored) files exist: the sha alone does not describe the tree. */
  dirty: boolean;
}

export async function readGitRevision(workspaceRoot: string): Promise<GitRevision> {
  const sha = (await runCommand('git', ['rev-parse', 'HEAD'], { cwd: workspaceRoot })).stdout.trim();
  const status = (await runCommand('git', ['status', '--porcelain', '--untracked-files=normal'], { cwd: workspaceRoot })).stdout;
  return { sha, dirty: status.trim() !== '' };
}

/**
 * A repository URL fit for a public label: credentials (https://user:token@host) are
 * removed, scp-style git remotes become ssh:// URLs, local paths become file:// URLs.
 */
export function publicSourceUrl(remote: string): string {
  const value = remote.trim();
  const scp = /^([\w.-]+@)?([\w.-]+):(?!\/\/)(.+)$/.exec(value);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `ssh://${scp[2]}/${scp[3]}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  }
  return `file://${path.resolve(value)}`;
}

/**
 * Where the image's source lives (org.opencontainers.image.source), first found of:
 * SHIPYARD_SOURCE_URL, Azure Pipelines' BUILD_REPOSITORY_URI, the root package.json
 * `repository`, the git remote `origin`. Never invented: with none of them the build stops.
 */
export async function readSourceUrl(workspaceRoot: string, env: NodeJS.ProcessEnv): Promise<string> {
  const explicit = env.SHIPYARD_SOURCE_URL?.trim() || env.BUILD_REPOSITORY_URI?.trim();
  if (explicit) return publicSourceUrl(explicit);
  const manifest = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')) as {
    repository?: string | { url?: string };
  };
  const declared = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  if (declared) return publicSourceUrl(declared.replace(/^git\+/, ''));
  const origin = await runCommand('git', ['remote', 'get-url', 'origin'], { cwd: workspaceRoot, allowExitCodes: [2, 128] });
  if (origin.exitCode === 0 && origin.stdout.trim()) return publicSourceUrl(origin.stdout);
  throw new CliError(
    'cannot tell where the source lives for the org.opencontainers.image.source label: set SHIPYARD_SOURCE_URL, add a git remote "origin", or a "repository" to package.json',
    ExitCode.usage,
  );
}

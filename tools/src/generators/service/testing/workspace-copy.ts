import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface WorkspaceCopy {
  root: string;
  /** Environment for commands run in the copy: this Node first on PATH, no Nx/Jest variables of the outer run. */
  env: NodeJS.ProcessEnv;
  remove(): void;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/**
 * node_modules of the copy: a real folder whose entries link to the workspace's installed
 * packages, except the ones that must point into the copy: @shipyard/* (the workspace's own
 * packages, linked to the copy's folders, as npm does) and .bin (re-created with the same
 * relative targets, so `shipyard` runs the copy's CLI). Linking the whole folder would make
 * every @shipyard package, and the CLI, resolve to the original workspace.
 */
function mirrorNodeModules(source: string, copy: string): void {
  const from = path.join(source, 'node_modules');
  const to = path.join(copy, 'node_modules');
  fs.mkdirSync(path.join(to, '.bin'), { recursive: true });
  fs.mkdirSync(path.join(to, '@shipyard'));
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.name === '.bin' || entry.name === '@shipyard') continue;
    // Files (npm's hidden lockfile .package-lock.json, install stamps) are copied: npm rewrites
    // the hidden lockfile in place, which through a link would change the original install.
    if (entry.isFile()) fs.copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
    else fs.symlinkSync(path.join(from, entry.name), path.join(to, entry.name));
  }
  for (const bin of fs.readdirSync(path.join(from, '.bin'))) {
    fs.symlinkSync(fs.readlinkSync(path.join(from, '.bin', bin)), path.join(to, '.bin', bin));
  }
  for (const link of fs.readdirSync(path.join(from, '@shipyard'))) {
    fs.symlinkSync(fs.readlinkSync(path.join(from, '@shipyard', link)), path.join(to, '@shipyard', link));
  }
}

/**
 * A throwaway copy of the workspace as it is on disk (tracked and untracked, not ignored
 * files), committed as the baseline of its own git repository, so `git status` in the copy
 * shows exactly what a command changed.
 */
export function copyWorkspace(source: string, prefix: string): WorkspaceCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const files = git(source, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(source, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(from, path.join(root, file));
  }
  mirrorNodeModules(source, root);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, '-c', 'user.name=shipyard-test', '-c', 'user.email=shipyard-test@example.invalid', 'commit', '-q', '--no-verify', '-m', 'workspace copy');

  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(NX_|JEST_)/.test(key)));
  env.PATH = [path.dirname(process.execPath), path.join(root, 'node_modules', '.bin'), process.env.PATH ?? ''].join(path.delimiter);
  Object.assign(env, { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0' });
  return { root, env, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** `git status --porcelain` of the copy, one entry per line, untracked folders listed as folders. */
export function gitStatus(root: string): string[] {
  return git(root, 'status', '--porcelain', '--untracked-files=normal').split('\n').filter(Boolean).sort();
}

export function headSha(root: string): string {
  return git(root, 'rev-parse', 'HEAD').trim();
}

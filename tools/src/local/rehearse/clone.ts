import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exec } from './docker-cli';
import { workspaceRoot } from '../../workspace/root';

export interface WorkspaceClone {
  dir: string;
  /** Runs `shipyard <args>` in the clone (its own sources); resolves with exit code and output. */
  shipyard(args: string[], onLine?: (line: string) => void): Promise<{ code: number; stdout: string; stderr: string }>;
  git(args: string[]): Promise<string>;
  dispose(): void;
}

/**
 * The clone's node_modules without installing again (that would only measure npm): every package
 * a link to this workspace's, except the workspace's own packages (npm's relative links such as
 * `@shipyard/contracts -> ../../libs/contracts`), recreated so that they lead into the clone. A
 * link to the whole folder would resolve them into this checkout instead: the clone's lint would
 * then check imports against another tree's projects.
 */
export function mirrorNodeModules(from: string, to: string): void {
  // npm links a workspace package relatively; every other package is a folder of its own.
  const mirror = (source: string, target: string, isLink: boolean) => {
    const relative = isLink ? readlinkSync(source) : undefined;
    symlinkSync(relative !== undefined && !path.isAbsolute(relative) ? relative : source, target);
  };
  mkdirSync(to);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.name.startsWith('@') && entry.isDirectory()) {
      mkdirSync(path.join(to, entry.name));
      for (const inner of readdirSync(source, { withFileTypes: true })) mirror(path.join(source, inner.name), path.join(to, entry.name, inner.name), inner.isSymbolicLink());
    } else mirror(source, path.join(to, entry.name), entry.isSymbolicLink());
  }
}

/**
 * A fresh `git clone` of this workspace's HEAD in a temporary folder, node_modules mirrored
 * (mirrorNodeModules): what a new user has after cloning and installing.
 */
export async function cloneWorkspace(prefix = 'shipyard-rehearsal-'): Promise<WorkspaceClone> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), prefix)), 'shipyard');
  const cloned = await exec('git', ['clone', '--quiet', '--no-hardlinks', workspaceRoot, dir]);
  if (cloned.code !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
  mirrorNodeModules(path.join(workspaceRoot, 'node_modules'), path.join(dir, 'node_modules'));
  const git = async (args: string[]) => {
    const result = await exec('git', ['-c', 'user.name=rehearsal', '-c', 'user.email=rehearsal@example.invalid', ...args], { cwd: dir });
    if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  return {
    dir,
    git,
    shipyard: (args, onLine) =>
      exec(process.execPath, ['--conditions=@shipyard/source', path.join(dir, 'tools', 'bin', 'shipyard.cjs'), ...args], {
        cwd: dir,
        env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
        onLine,
      }),
    dispose: () => rmSync(path.dirname(dir), { recursive: true, force: true }),
  };
}

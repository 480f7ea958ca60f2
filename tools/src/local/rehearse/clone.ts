import { appendFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
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
 * A fresh `git clone` of this workspace's HEAD in a temporary folder, node_modules symlinked
 * (installing again would only measure npm): what a new user has after cloning.
 */
export async function cloneWorkspace(prefix = 'shipyard-rehearsal-'): Promise<WorkspaceClone> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), prefix)), 'shipyard');
  const cloned = await exec('git', ['clone', '--quiet', '--no-hardlinks', workspaceRoot, dir]);
  if (cloned.code !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
  symlinkSync(path.join(workspaceRoot, 'node_modules'), path.join(dir, 'node_modules'));
  // .gitignore's node_modules/ matches a folder, not this symlink: without this the clone counts as dirty.
  appendFileSync(path.join(dir, '.git', 'info', 'exclude'), '/node_modules\n');
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

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A throwaway repository with the history a deployment range can have. */
export function makeHistory() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-workitems-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'user.name', 'test');
  git('config', 'commit.gpgsign', 'false');
  let counter = 0;
  const commit = (message: string) => {
    const file = `file-${++counter}.txt`;
    writeFileSync(path.join(dir, file), `${message}\n`);
    git('add', file);
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  const revert = (sha: string, ...extra: string[]) => {
    git('revert', '--no-edit', ...extra, sha);
    return git('rev-parse', 'HEAD');
  };
  const merge = (branch: string, message: string) => {
    git('merge', '-q', '--no-ff', '-m', message, branch);
    return git('rev-parse', 'HEAD');
  };
  return { dir, git, commit, revert, merge, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

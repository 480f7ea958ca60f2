import { execFileSync } from 'node:child_process';

/**
 * Files git would commit: tracked plus untracked-but-not-ignored, so a secret in a file
 * someone forgot to `git add` is still caught before it is pushed.
 */
export function listRepositoryFiles(cwd: string): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(out.split('\0').filter(Boolean))].sort();
}

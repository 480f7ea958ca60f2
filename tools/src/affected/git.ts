import { execFileSync } from 'node:child_process';

/** The few git questions the base-commit decision asks, bound to one repository folder. */
export interface Git {
  /** The commit a revision names, or null when the repository has no such commit. */
  resolveCommit(revision: string): string | null;
  /** The best common ancestor of two commits, or null when their histories are unrelated. */
  mergeBase(a: string, b: string): string | null;
  isAncestor(ancestor: string, descendant: string): boolean;
  /** Paths changed between two commits (both sides of a rename), or from a commit to the working tree when head is null. */
  changedFiles(base: string, head: string | null): string[];
  /** A file's content at a revision, or null when it does not exist there. */
  showFile(revision: string, file: string): string | null;
}

export function gitIn(cwd: string): Git {
  const run = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const attempt = (args: string[]): string | null => {
    try {
      return run(args);
    } catch {
      return null;
    }
  };
  const splitZ = (out: string) => out.split('\0').filter(Boolean);

  return {
    resolveCommit: (revision) => attempt(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`])?.trim() || null,
    mergeBase: (a, b) => attempt(['merge-base', a, b])?.trim() || null,
    isAncestor: (ancestor, descendant) => attempt(['merge-base', '--is-ancestor', ancestor, descendant]) !== null,
    changedFiles: (base, head) => {
      // --no-renames lists a moved file under both paths, so the project it left is affected too.
      const committed = splitZ(run(['diff', '--name-only', '--no-renames', '-z', base, ...(head ? [head] : []), '--']));
      const untracked = head ? [] : splitZ(run(['ls-files', '--others', '--exclude-standard', '-z']));
      return [...new Set([...committed, ...untracked])].sort();
    },
    showFile: (revision, file) => attempt(['show', `${revision}:${file}`]),
  };
}

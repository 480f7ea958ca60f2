import { CliError, ExitCode } from '../cli/errors';
import { runCommand } from '../process/run-command';
import type { PreviousRelease } from './create-release';
import { parseReleaseRef } from './release-ref';
import type { ReleaseStore } from './release-store';

export interface GitHistory {
  /** Commits before `sha` along first parents, nearest first. */
  firstParentAncestors(sha: string, max: number): Promise<string[]>;
  /** Whether `ancestor` is `sha` or one of its ancestors; null when git does not know one of them. */
  isAncestor(ancestor: string, sha: string): Promise<boolean | null>;
}

export function gitHistory(cwd: string): GitHistory {
  return {
    async firstParentAncestors(sha, max) {
      const result = await runCommand('git', ['rev-list', '--first-parent', `--max-count=${max + 1}`, sha], { cwd, allowExitCodes: [128] });
      if (result.exitCode !== 0) {
        throw new CliError(`git does not know commit ${sha} (a shallow clone? the pipeline checks out with fetchDepth: 0): ${result.stderr.trim()}`, ExitCode.usage);
      }
      return result.stdout.split('\n').filter(Boolean).slice(1);
    },
    async isAncestor(ancestor, sha) {
      const result = await runCommand('git', ['merge-base', '--is-ancestor', ancestor, sha], { cwd, allowExitCodes: [1, 128] });
      return result.exitCode === 0 ? true : result.exitCode === 1 ? false : null;
    },
  };
}

export interface FindPreviousOptions {
  sha: string;
  /** --previous: a release reference given explicitly. */
  explicit?: string;
  /** Whether some app has no image in this run (only then is a previous release needed). */
  needed: boolean;
  store: Pick<ReleaseStore, 'findCarrySource'>;
  git: GitHistory;
  log: (line: string) => void;
  /** How many commits back the default search looks. */
  searchDepth?: number;
}

/**
 * The release whose entries are carried over. Given --previous, that one. Otherwise the
 * release of --sha itself when it has one (a re-run), else the one of the nearest earlier commit on the first-parent line of --sha that has a release: carrying an
 * image over is right only when the app did not change between that release and this commit,
 * and the images file holds every app changed since the affected base, which is itself a
 * released commit on that line; so the nearest release is never older than the base.
 * (env-dev is not a safe default: after a rollback it can point further back than the base.)
 */
export async function findPreviousRelease(options: FindPreviousOptions): Promise<PreviousRelease | null> {
  const { sha, store, git, log } = options;
  if (options.explicit) {
    const ref = parseReleaseRef(options.explicit);
    const found = await store.findCarrySource(ref);
    if (!found) {
      if (options.needed) throw new CliError(`--previous ${options.explicit}: no such release in the registry`, ExitCode.usage);
      log(`--previous ${options.explicit} not found; not needed, every app was built in this run`);
      return null;
    }
    const ancestor = await git.isAncestor(found.manifest.gitSha, sha);
    if (ancestor === false) {
      throw new CliError(
        `--previous ${options.explicit} is the release of ${found.manifest.gitSha}, which is not an ancestor of ${sha}: carrying its images over could ship code of another branch`,
        ExitCode.usage,
      );
    }
    if (ancestor === null) log(`warning: git does not know ${found.manifest.gitSha}; cannot check that --previous is an ancestor of ${sha}`);
    return { manifest: found.manifest, digest: found.digest, how: `--previous ${options.explicit}` };
  }
  if (!options.needed) return null;
  // A re-run of a commit that already has a release (a pipeline re-run, a second rehearsal):
  // that release is the one to converge to, so its entries are carried over unchanged.
  const own = await store.findCarrySource({ kind: 'sha', tag: sha });
  if (own) {
    log(`${sha.slice(0, 12)} already has a release (a re-run of the same commit): reusing its entries`);
    return { manifest: own.manifest, digest: own.digest, how: `the existing release of ${sha} (re-run)` };
  }
  const depth = options.searchDepth ?? 100;
  log(`looking for the nearest earlier release among the ${depth} first-parent commits before ${sha.slice(0, 12)}…`);
  const ancestors = await git.firstParentAncestors(sha, depth);
  for (const [index, candidate] of ancestors.entries()) {
    const found = await store.findCarrySource({ kind: 'sha', tag: candidate });
    if (found) {
      log(`carrying over from the release of ${candidate.slice(0, 12)} (${index + 1} commit${index === 0 ? '' : 's'} back)`);
      return { manifest: found.manifest, digest: found.digest, how: `nearest earlier release ${candidate}` };
    }
  }
  log(`no release found for any of the ${ancestors.length} commits before ${sha.slice(0, 12)}`);
  return null;
}

import type { Git } from './git';
import { BuildsApiError, findLastSuccessfulRun, type LastSuccessfulRun } from './last-successful-run';
import type { BuildsApi, RunContext } from './pipeline-env';

/**
 * The range of history whose changes decide what is affected.
 * `base: null` means "no trustworthy base": every deployable is affected.
 */
export interface BaseDecision {
  base: string | null;
  /** The head commit; null means the working tree of a local run (uncommitted and untracked files count). */
  head: string | null;
  how: 'explicit' | 'pull-request' | 'last-successful-run' | 'first-run' | 'previous-commit' | 'local' | 'no-history';
  /** One line a person can check: where the base came from. */
  because: string;
  warnings: string[];
}

export interface BaseCommitInputs {
  git: Git;
  context: RunContext;
  /** --base / --head given on the command line win over everything the run context suggests. */
  explicitBase?: string;
  explicitHead?: string;
  /** The branch local runs compare against (nx.json defaultBase). */
  defaultBranch: string;
  lookupLastSuccessfulRun?: (api: BuildsApi, branch: string) => Promise<LastSuccessfulRun>;
}

export class BaseCommitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaseCommitError';
  }
}

export async function decideBaseCommit(inputs: BaseCommitInputs): Promise<BaseDecision> {
  const { git, context } = inputs;
  const headSha = inputs.explicitHead ? mustResolve(git, inputs.explicitHead, '--head') : mustResolve(git, 'HEAD', 'HEAD');
  // A local run without --head also counts what is not committed yet: "what would my change affect?"
  const head = context.kind === 'local' && !inputs.explicitHead ? null : headSha;

  if (inputs.explicitBase) {
    const base = mustResolve(git, inputs.explicitBase, '--base');
    return { base, head, how: 'explicit', because: `--base ${inputs.explicitBase}`, warnings: [] };
  }

  switch (context.kind) {
    case 'pull-request': {
      const target = findBranch(git, context.targetBranch);
      if (!target) {
        throw new BaseCommitError(
          `the pull request's target branch "${context.targetBranch}" is not in this clone (check out with fetchDepth: 0)`,
        );
      }
      const base = git.mergeBase(target.sha, headSha);
      if (!base) throw new BaseCommitError(`${target.ref} and ${headSha} share no history`);
      return { base, head, how: 'pull-request', because: `merge-base of ${target.ref} and HEAD (pull request into ${context.targetBranch})`, warnings: [] };
    }
    case 'branch':
      return decideFromLastSuccessfulRun(inputs, context, headSha);
    case 'local': {
      const target = findBranch(git, inputs.defaultBranch);
      const base = target ? git.mergeBase(target.sha, headSha) : null;
      if (target && base) {
        return { base, head, how: 'local', because: `merge-base of ${target.ref} and HEAD, plus uncommitted files`, warnings: [] };
      }
      return previousCommit(git, headSha, head, `no "${inputs.defaultBranch}" branch to compare with`);
    }
  }
}

async function decideFromLastSuccessfulRun(
  inputs: BaseCommitInputs,
  context: Extract<RunContext, { kind: 'branch' }>,
  headSha: string,
): Promise<BaseDecision> {
  const { git } = inputs;
  const lookup = inputs.lookupLastSuccessfulRun ?? findLastSuccessfulRun;
  let run: LastSuccessfulRun;
  try {
    run = await lookup(context.api, context.branch);
  } catch (error) {
    if (!(error instanceof BuildsApiError)) throw error;
    return previousCommit(git, headSha, headSha, `the last successful run could not be read: ${error.message}`);
  }
  if (!run.found) {
    return {
      base: null,
      head: headSha,
      how: 'first-run',
      because: `no successful run of this pipeline on ${context.branch} yet: everything is affected`,
      warnings: [],
    };
  }
  if (!git.resolveCommit(run.sourceVersion) || !git.isAncestor(run.sourceVersion, headSha)) {
    // History was rewritten or the clone is shallow: nothing since that run can be trusted to be small.
    return {
      base: null,
      head: headSha,
      how: 'no-history',
      because: `the last successful run (${run.buildNumber}) built ${run.sourceVersion}, which is not an ancestor of HEAD in this clone`,
      warnings: [
        `last successful run ${run.buildNumber} built ${run.sourceVersion}, which is not in this clone's history of HEAD: treating everything as affected`,
      ],
    };
  }
  return {
    base: run.sourceVersion,
    head: headSha,
    how: 'last-successful-run',
    because: `source commit of run ${run.buildNumber} (#${run.buildId}), the last successful run on ${context.branch}`,
    warnings: [],
  };
}

function previousCommit(git: Git, headSha: string, head: string | null, reason: string): BaseDecision {
  const parent = git.resolveCommit(`${headSha}~1`);
  if (!parent) {
    return {
      base: null,
      head,
      how: 'no-history',
      because: `${reason}; HEAD has no parent: everything is affected`,
      warnings: [`${reason}; HEAD has no parent commit, so everything is treated as affected`],
    };
  }
  return {
    base: parent,
    head,
    how: 'previous-commit',
    because: `${reason}; falling back to HEAD~1`,
    warnings: [`${reason}; falling back to the previous commit (HEAD~1): changes of earlier unbuilt commits are missed`],
  };
}

function findBranch(git: Git, branch: string): { ref: string; sha: string } | null {
  for (const ref of [`refs/remotes/origin/${branch}`, `refs/heads/${branch}`]) {
    const sha = git.resolveCommit(ref);
    if (sha) return { ref: ref.replace(/^refs\/(remotes|heads)\//, ''), sha };
  }
  return null;
}

function mustResolve(git: Git, revision: string, what: string): string {
  const sha = git.resolveCommit(revision);
  if (!sha) throw new BaseCommitError(`${what} "${revision}" does not name a commit in this repository`);
  return sha;
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decideAffected, LOCKFILE, type AffectedResult, type LockfileVerdict } from './affected-projects';
import { BaseCommitError, decideBaseCommit, type BaseDecision } from './base-commit';
import { gitIn } from './git';
import type { LastSuccessfulRun } from './last-successful-run';
import { compareLockfiles, readLockfileSides } from './lockfile-verdict';
import { buildWorkspaceModel, loadProjectGraph, nxAffectedProjects } from './nx-workspace';
import type { BuildsApi, RunContext } from './pipeline-env';

export interface AffectedRequest {
  workspaceRoot: string;
  context: RunContext;
  base?: string;
  head?: string;
  /** Changed files given by hand (--files): no git diff is made. */
  files?: string[];
  defaultBranch: string;
  lookupLastSuccessfulRun?: (api: BuildsApi, branch: string) => Promise<LastSuccessfulRun>;
  progress?: (line: string) => void;
}

export interface AffectedOutcome {
  decision: BaseDecision;
  changedFiles: string[] | null;
  lockfile: LockfileVerdict | null;
  result: AffectedResult;
  totals: { apps: number; charts: number };
}

/** Base commit → changed files → Nx project graph → affected apps and charts, with reasons. */
export async function computeAffected(request: AffectedRequest): Promise<AffectedOutcome> {
  const git = gitIn(request.workspaceRoot);
  const progress = request.progress ?? (() => undefined);
  const decision = request.files
    ? explicitFiles(git, request)
    : await decideBaseCommit({
        git,
        context: request.context,
        explicitBase: request.base,
        explicitHead: request.head,
        defaultBranch: request.defaultBranch,
        lookupLastSuccessfulRun: request.lookupLastSuccessfulRun,
      });
  const changedFiles = request.files ?? (decision.base ? git.changedFiles(decision.base, decision.head) : null);

  progress('reading the Nx project graph…');
  const graph = await loadProjectGraph();
  const model = buildWorkspaceModel(graph, request.workspaceRoot);

  let lockfile: LockfileVerdict | null = null;
  if (changedFiles?.includes(LOCKFILE)) {
    const lockPath = path.join(request.workspaceRoot, LOCKFILE);
    const sides = readLockfileSides(git, decision.base, decision.head, () => (existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null));
    lockfile = compareLockfiles(
      sides,
      model.apps.map((name) => ({ name, root: model.projects.get(name)?.root ?? name })),
    );
  }

  const result = await decideAffected({
    model,
    changes: changedFiles ? { kind: 'files', files: changedFiles } : { kind: 'everything', because: decision.because },
    lockfile,
    nxAffected: async (files) => nxAffectedProjects(graph, files, request.workspaceRoot),
  });
  return { decision, changedFiles, lockfile, result, totals: { apps: model.apps.length, charts: model.charts.length } };
}

function explicitFiles(git: ReturnType<typeof gitIn>, request: AffectedRequest): BaseDecision {
  const resolve = (revision: string, what: string) => {
    const sha = git.resolveCommit(revision);
    if (!sha) throw new BaseCommitError(`${what} "${revision}" does not name a commit in this repository`);
    return sha;
  };
  return {
    base: request.base ? resolve(request.base, '--base') : null,
    head: request.head ? resolve(request.head, '--head') : null,
    how: 'explicit',
    because: `--files (${request.files?.length ?? 0} given)`,
    warnings: [],
  };
}

import type { AzdoConfig } from '../azdo/config';
import type { AzdoCredential } from '../azdo/credentials';
import { readDeployment } from '../azdo/deployment';
import type { RetryPolicy } from '../azdo/http';
import type { PipelineRun } from '../azdo/pipeline-run';
import type { AzdoTarget } from '../azdo/target';
import type { Environment } from '../charts/layout';
import type { ReleaseStore } from '../release/release-store';
import { restBoardsApi } from './boards';
import { commitsInRange } from './git-range';
import { itemsInRange } from './shipped-items';
import { updateWorkItems, type WorkItemsReport } from './update';

export interface RunWorkItemsOptions {
  environment: Environment;
  /** The release the deploy step just converged to (env-<env> must name it). */
  release: string;
  config: AzdoConfig;
  target: AzdoTarget;
  /** null only with dryRun. */
  credential: AzdoCredential | null;
  store: Pick<ReleaseStore, 'findCarrySource' | 'registry'>;
  /** The git checkout to read commits from. */
  repo: string;
  run: PipelineRun | null;
  dryRun: boolean;
  policy?: RetryPolicy;
  log: (line: string) => void;
}

/** workitems end to end: registry pointers → commits in git → items shipped → Boards. */
export async function runWorkItems(options: RunWorkItemsOptions): Promise<WorkItemsReport> {
  const { log } = options;
  const deployment = await readDeployment(options.store, options.environment, options.release);
  const from = deployment.previous?.gitSha ?? null;
  log(`${options.environment}: ${from ? `${from.slice(0, 12)}..` : 'first deployment, '}${deployment.current.gitSha.slice(0, 12)}`);
  const found = itemsInRange(await commitsInRange(options.repo, { from, to: deployment.current.gitSha }));
  for (const item of found.cancelled) log(`AB#${item.id}: left alone, its change was reverted within the range (${item.commits.map((sha) => sha.slice(0, 12)).join(', ')})`);
  if (!options.run) log('not in a pipeline run (no BUILD_BUILDID): no build link');
  const boards = options.credential ? restBoardsApi(options.target, options.credential, options.policy) : null;
  return updateWorkItems({ deployment, run: options.run, found, settings: options.config.workItems, boards, dryRun: options.dryRun, log });
}

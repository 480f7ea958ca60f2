import type { WorkItemsSettings } from '../azdo/config';
import type { Deployment } from '../azdo/deployment';
import type { PipelineRun } from '../azdo/pipeline-run';
import { CliError, ExitCode } from '../cli/errors';
import { type BoardItem, type BoardsApi, ItemFailure, type PatchOperation } from './boards';
import { deploymentComment, deploymentMarker } from './comment';
import type { ItemsInRange, ShippedItem } from './shipped-items';

export interface ItemReport {
  id: number;
  status: ShippedItem['status'];
  commits: string[];
  title?: string;
  state?: string;
  /** What was (or, in a dry run, would be) done; empty when nothing. */
  actions: string[];
  /** Why nothing could be done: the item is missing (or unreadable), or a write failed. */
  problem?: string;
  problemKind?: 'missing' | 'failed';
}

export interface WorkItemsReport {
  environment: string;
  release: string;
  previous: string | null;
  dryRun: boolean;
  items: ItemReport[];
  cancelled: ItemsInRange['cancelled'];
  /** Items a write failed for: the command exits non-zero after doing the others. */
  failed: number;
}

export interface UpdateOptions {
  deployment: Deployment;
  run: PipelineRun | null;
  found: ItemsInRange;
  settings: WorkItemsSettings;
  /** null: no token, only with dryRun (lists what git says, asks Boards nothing). */
  boards: BoardsApi | null;
  dryRun: boolean;
  log: (line: string) => void;
}

export const buildArtifactUrl = (buildId: number) => `vstfs:///Build/Build/${buildId}`;

/** The JSON Patch for one item: the build link when missing, the state when configured and allowed. */
export function patchFor(item: BoardItem, shipped: ShippedItem, options: Pick<UpdateOptions, 'deployment' | 'run' | 'settings'>): { operations: PatchOperation[]; actions: string[] } {
  const operations: PatchOperation[] = [];
  const actions: string[] = [];
  if (options.settings.linkBuild && options.run) {
    const url = buildArtifactUrl(options.run.buildId);
    if (!item.relations.some((relation) => relation.rel === 'ArtifactLink' && relation.url.toLowerCase() === url.toLowerCase())) {
      operations.push({ op: 'add', path: '/relations/-', value: { rel: 'ArtifactLink', url, attributes: { name: 'Integrated in build' } } });
      actions.push(`link build ${options.run.buildNumber ?? options.run.buildId}`);
    }
  }
  const transition = options.settings.transitions[options.deployment.environment];
  if (transition && shipped.status === 'shipped' && item.state.toLowerCase() !== transition.to.toLowerCase()) {
    if (transition.from.some((state) => state.toLowerCase() === item.state.toLowerCase())) {
      operations.push({ op: 'add', path: '/fields/System.State', value: transition.to });
      actions.push(`move ${item.state} → ${transition.to}`);
    } else {
      actions.push(`state stays ${item.state} (moves only from ${transition.from.join(', ')})`);
    }
  }
  return { operations, actions };
}

async function updateItem(shipped: ShippedItem, options: UpdateOptions, boards: BoardsApi): Promise<ItemReport> {
  const report: ItemReport = { id: shipped.id, status: shipped.status, commits: shipped.commits.map((commit) => commit.sha), actions: [] };
  const item = await boards.getItem(shipped.id);
  if (!item) {
    report.problem = `work item ${shipped.id} does not exist, or the token may not read it`;
    report.problemKind = 'missing';
    return report;
  }
  Object.assign(report, { title: item.title, state: item.state });
  const marker = deploymentMarker(options.deployment.environment, options.deployment.current.gitSha);
  // The comment is written last, so its marker means this deployment was fully recorded on the item.
  if ((await boards.commentTexts(item)).some((text) => text.includes(marker))) {
    report.actions.push('already recorded (comment with this release and environment present)');
    return report;
  }
  const { operations, actions } = patchFor(item, shipped, options);
  const wouldOrDid = (action: string) => (options.dryRun ? `would ${action}` : action);
  report.actions.push(...actions.map((action) => (action.startsWith('state stays') ? action : wouldOrDid(action))));
  if (options.settings.comment) report.actions.push(wouldOrDid('comment'));
  if (options.dryRun) return report;
  if (operations.length > 0) await boards.patch(item, operations);
  if (options.settings.comment) await boards.addComment(item, deploymentComment(shipped, options.deployment, options.run));
  return report;
}

/**
 * workitems: for each item the deployment ships (or reverts), link the run, move the state
 * where configured, and comment; a re-run of the same deployment finds its comment and does
 * nothing again. One item's refused write does not stop the others; the command fails at the
 * end when any did.
 */
export async function updateWorkItems(options: UpdateOptions): Promise<WorkItemsReport> {
  const { deployment, found, settings, log } = options;
  if (found.items.length > settings.maxItems) {
    throw new CliError(
      `${found.items.length} work items are mentioned between ${deployment.previous?.gitSha.slice(0, 12) ?? 'the start'} and ${deployment.current.gitSha.slice(0, 12)}, more than workItems.maxItems (${settings.maxItems}) in azure-devops.yml: check the range before writing to all of them`,
      ExitCode.failed,
    );
  }
  const report: WorkItemsReport = {
    environment: deployment.environment,
    release: deployment.current.gitSha,
    previous: deployment.previous?.gitSha ?? null,
    dryRun: options.dryRun,
    items: [],
    cancelled: found.cancelled,
    failed: 0,
  };
  for (const shipped of found.items) {
    if (!options.boards) {
      report.items.push({ id: shipped.id, status: shipped.status, commits: shipped.commits.map((commit) => commit.sha), actions: ['not checked (no token)'] });
      continue;
    }
    try {
      const item = await updateItem(shipped, options, options.boards);
      report.items.push(item);
      log(`AB#${item.id}${item.title ? ` ${item.title}` : ''}: ${item.problem ?? (item.actions.join('; ') || 'nothing to do')}`);
    } catch (error) {
      if (!(error instanceof ItemFailure)) throw error;
      report.failed++;
      report.items.push({ id: shipped.id, status: shipped.status, commits: shipped.commits.map((commit) => commit.sha), actions: [], problem: error.message, problemKind: 'failed' });
      log(`AB#${shipped.id}: FAILED: ${error.message}`);
    }
  }
  return report;
}

import { BuildQueryOrder, BuildResult, BuildStatus, TaskResult, type Build } from 'azure-devops-node-api/interfaces/BuildInterfaces';
import { readAzdoCredential } from '../azdo/credentials';
import { type RetryPolicy, statusOf, withRetry } from '../azdo/http';
import { buildApi } from '../azdo/target';
import type { BuildsApi } from './pipeline-env';

export type LastSuccessfulRun = { found: true; buildId: number; buildNumber: string; sourceVersion: string } | { found: false };

/** The lookup could not be answered (network, HTTP status, sign-in page, unexpected body). */
export class BuildsApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildsApiError';
  }
}

/** The stage whose success makes a run a base: its images and release manifest exist. */
export const CI_STAGE = 'ci';

/** Runs looked at, newest finished first, before concluding there is none. */
const CANDIDATES = 25;

/**
 * The query, in the REST API's words: this definition's completed runs on one branch, newest
 * finished first (without queryOrder the service orders by queue time or id, not finish time),
 * that succeeded or partially succeeded. "Partially succeeded" is what a run is when a
 * continueOnError step failed, e.g. the deploy job's annotate or workitems bookkeeping; the run
 * still counts when its CI stage succeeded.
 */
export const lastSuccessfulRunQuery = {
  statusFilter: BuildStatus.Completed,
  resultFilter: BuildResult.Succeeded | BuildResult.PartiallySucceeded,
  queryOrder: BuildQueryOrder.FinishTimeDescending,
  top: CANDIDATES,
} as const;

const FULL_SHA = /^[0-9a-f]{40}$/i;

/**
 * Asks Azure DevOps (Builds - List, then the timeline of a partially succeeded run) for the
 * source commit of this pipeline's last run on `branch` whose CI stage succeeded, through
 * azure-devops-node-api with the job's token and the project's retry policy.
 */
export async function findLastSuccessfulRun(api: BuildsApi, branch: string, options: { policy?: RetryPolicy } = {}): Promise<LastSuccessfulRun> {
  const credential = readAzdoCredential({ SYSTEM_ACCESSTOKEN: api.accessToken });
  if (!credential) {
    throw new BuildsApiError('SYSTEM_ACCESSTOKEN is not set (map it into the step: env: { SYSTEM_ACCESSTOKEN: $(System.AccessToken) })');
  }
  const client = buildApi(api.collectionUri, credential);
  const where = `${api.collectionUri}${api.project}/_apis/build/builds (definition ${api.definitionId}, ${branch})`;
  const call = async <T>(doing: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await withRetry(doing, request, { idempotent: true, policy: options.policy });
    } catch (error) {
      const status = statusOf(error)?.status;
      throw new BuildsApiError(`${doing} failed: ${status ? `HTTP ${status}${hint(status)}` : error instanceof Error ? error.message : String(error)}`);
    }
  };
  const q = lastSuccessfulRunQuery;
  const builds = await call(`GET ${where}`, () =>
    client.getBuilds(api.project, [api.definitionId], undefined, undefined, undefined, undefined, undefined, undefined, q.statusFilter, q.resultFilter, undefined, undefined, q.top, undefined, undefined, undefined, q.queryOrder, branch),
  );
  // azure-devops-node-api answers a sign-in page (203) or a 404 with null.
  if (!Array.isArray(builds)) throw new BuildsApiError(`GET ${where} returned no list (a sign-in page instead of data: is SYSTEM_ACCESSTOKEN mapped and valid?)`);
  for (const build of builds) {
    if (build.result !== BuildResult.Succeeded && build.result !== BuildResult.PartiallySucceeded) continue;
    if (build.result === BuildResult.PartiallySucceeded && !(await ciStageSucceeded(build, (doing, request) => call(doing, request), client, api.project))) continue;
    return toRun(build, where);
  }
  return { found: false };
}

async function ciStageSucceeded(
  build: Build,
  call: <T>(doing: string, request: () => Promise<T>) => Promise<T>,
  client: ReturnType<typeof buildApi>,
  project: string,
): Promise<boolean> {
  const timeline = await call(`GET timeline of run ${build.buildNumber ?? build.id}`, () => client.getBuildTimeline(project, build.id as number));
  const stage = timeline?.records?.find((record) => record.type === 'Stage' && (record.identifier ?? record.name) === CI_STAGE);
  return stage?.result === TaskResult.Succeeded;
}

function toRun(build: Build, where: string): LastSuccessfulRun {
  const sourceVersion = build.sourceVersion ?? '';
  if (typeof build.id !== 'number' || !FULL_SHA.test(sourceVersion)) {
    throw new BuildsApiError(`GET ${where} returned an unexpected run: id ${String(build.id)}, sourceVersion ${JSON.stringify(sourceVersion)} (must be a full git sha)`);
  }
  return { found: true, buildId: build.id, buildNumber: build.buildNumber ?? String(build.id), sourceVersion: sourceVersion.toLowerCase() };
}

function hint(status: number): string {
  if (status === 401 || status === 203) return ' (is SYSTEM_ACCESSTOKEN mapped and valid?)';
  if (status === 403) return ' (the build service identity needs "View builds" on this pipeline)';
  return '';
}

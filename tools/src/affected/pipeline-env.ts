import { z } from 'zod';

/** Where the Azure DevOps REST API of the running pipeline lives, and the job's token for it. */
export interface BuildsApi {
  /** Organisation URL with a trailing slash (SYSTEM_COLLECTIONURI), e.g. https://dev.azure.com/contoso/ */
  collectionUri: string;
  project: string;
  definitionId: number;
  /** SYSTEM_ACCESSTOKEN; Azure Pipelines only exposes it to steps that map it into `env`. */
  accessToken: string | undefined;
}

/** What kind of run asks "what changed?", read from the variables Azure Pipelines exports. */
export type RunContext =
  | { kind: 'pull-request'; targetBranch: string; pullRequestId: string | undefined }
  | { kind: 'branch'; branch: string; api: BuildsApi }
  | { kind: 'local' };

const AzureEnv = z.object({
  TF_BUILD: z.string().optional(),
  BUILD_REASON: z.string().optional(),
  BUILD_SOURCEBRANCH: z.string().optional(),
  SYSTEM_PULLREQUEST_TARGETBRANCH: z.string().optional(),
  SYSTEM_PULLREQUEST_PULLREQUESTID: z.string().optional(),
  SYSTEM_COLLECTIONURI: z.string().optional(),
  SYSTEM_TEAMPROJECT: z.string().optional(),
  SYSTEM_DEFINITIONID: z.string().optional(),
  SYSTEM_ACCESSTOKEN: z.string().optional(),
});

/** refs/heads/main → main; GitHub-hosted PRs already give the short name. */
export function shortBranchName(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

export function isAzurePipelines(env: NodeJS.ProcessEnv): boolean {
  return (env.TF_BUILD ?? '').toLowerCase() === 'true';
}

/**
 * Reads the run's kind from Azure Pipelines' predefined variables. Outside Azure Pipelines
 * (TF_BUILD unset) it is a local run. A branch run must name its collection, project and
 * definition, or the last successful run cannot be looked up: that is a broken agent, not a
 * reason to guess.
 */
export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  const vars = AzureEnv.parse(env);
  if (!isAzurePipelines(env)) return { kind: 'local' };
  if (vars.BUILD_REASON === 'PullRequest') {
    if (!vars.SYSTEM_PULLREQUEST_TARGETBRANCH) {
      throw new Error('BUILD_REASON is PullRequest but SYSTEM_PULLREQUEST_TARGETBRANCH is not set');
    }
    return {
      kind: 'pull-request',
      targetBranch: shortBranchName(vars.SYSTEM_PULLREQUEST_TARGETBRANCH),
      pullRequestId: vars.SYSTEM_PULLREQUEST_PULLREQUESTID,
    };
  }
  const missing = (['BUILD_SOURCEBRANCH', 'SYSTEM_COLLECTIONURI', 'SYSTEM_TEAMPROJECT', 'SYSTEM_DEFINITIONID'] as const).filter(
    (name) => !vars[name],
  );
  if (missing.length > 0) throw new Error(`Azure Pipelines run without ${missing.join(', ')}`);
  const definitionId = Number(vars.SYSTEM_DEFINITIONID);
  if (!Number.isInteger(definitionId) || definitionId <= 0) {
    throw new Error(`SYSTEM_DEFINITIONID must be a positive integer, got "${vars.SYSTEM_DEFINITIONID}"`);
  }
  const collectionUri = vars.SYSTEM_COLLECTIONURI as string;
  return {
    kind: 'branch',
    branch: vars.BUILD_SOURCEBRANCH as string,
    api: {
      collectionUri: collectionUri.endsWith('/') ? collectionUri : `${collectionUri}/`,
      project: vars.SYSTEM_TEAMPROJECT as string,
      definitionId,
      // An unmapped secret reaches the step as the literal macro text: treat it as missing.
      accessToken: vars.SYSTEM_ACCESSTOKEN && !vars.SYSTEM_ACCESSTOKEN.startsWith('$(') ? vars.SYSTEM_ACCESSTOKEN : undefined,
    },
  };
}

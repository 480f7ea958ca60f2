/** The Azure Pipelines run a command is part of, from the predefined variables the agent exports. */
export interface PipelineRun {
  buildId: number;
  buildNumber?: string;
  definitionName?: string;
  requestedFor?: string;
  sourceBranch?: string;
  repository?: string;
  /** Organisation URL with a trailing slash. */
  collectionUrl?: string;
  project?: string;
  /** The run's page: {collection}{project}/_build/results?buildId=… */
  url?: string;
}

const present = (value: string | undefined) => (value && value.trim() && !value.startsWith('$(') ? value.trim() : undefined);

/** null outside a pipeline run (no BUILD_BUILDID). */
export function readPipelineRun(env: NodeJS.ProcessEnv = process.env): PipelineRun | null {
  const buildId = Number(present(env.BUILD_BUILDID));
  if (!Number.isInteger(buildId) || buildId <= 0) return null;
  const rawCollection = present(env.SYSTEM_COLLECTIONURI);
  const collectionUrl = rawCollection && !rawCollection.endsWith('/') ? `${rawCollection}/` : rawCollection;
  const project = present(env.SYSTEM_TEAMPROJECT);
  return {
    buildId,
    buildNumber: present(env.BUILD_BUILDNUMBER),
    definitionName: present(env.BUILD_DEFINITIONNAME),
    requestedFor: present(env.BUILD_REQUESTEDFOR),
    sourceBranch: present(env.BUILD_SOURCEBRANCH),
    repository: present(env.BUILD_REPOSITORY_NAME),
    collectionUrl,
    project,
    url: collectionUrl && project ? `${collectionUrl}${encodeURIComponent(project)}/_build/results?buildId=${buildId}` : undefined,
  };
}

import { z } from 'zod';
import type { BuildsApi } from './pipeline-env';

export type LastSuccessfulRun = { found: true; buildId: number; buildNumber: string; sourceVersion: string } | { found: false };

/** The lookup could not be answered (network, HTTP status, sign-in page, unexpected body). */
export class BuildsApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildsApiError';
  }
}

const BuildList = z.object({
  count: z.number(),
  value: z.array(
    z.object({
      id: z.number(),
      buildNumber: z.string(),
      sourceVersion: z.string().regex(/^[0-9a-f]{40}$/i, 'sourceVersion must be a full git sha'),
    }),
  ),
});

/** GET …/_apis/build/builds filtered to this definition's last completed, succeeded run on one branch. */
export function lastSuccessfulRunUrl(api: BuildsApi, branch: string): string {
  const base = new URL(`${encodeURIComponent(api.project)}/_apis/build/builds`, api.collectionUri);
  // Written out by hand so the logged URL reads like the REST documentation ($top, refs/heads/main).
  const query = [
    `definitions=${api.definitionId}`,
    `branchName=${branch.split('/').map(encodeURIComponent).join('/')}`,
    'statusFilter=completed',
    'resultFilter=succeeded',
    '$top=1',
    'api-version=7.1',
  ].join('&');
  return `${base.toString()}?${query}`;
}

/**
 * Asks Azure DevOps for the source commit of this pipeline's last successful run on `branch`.
 * One plain GET: azure-devops-node-api would first negotiate resource areas and API versions
 * with extra OPTIONS calls, which buys nothing for a single documented endpoint.
 */
export async function findLastSuccessfulRun(
  api: BuildsApi,
  branch: string,
  options: { timeoutMs?: number } = {},
): Promise<LastSuccessfulRun> {
  if (!api.accessToken) {
    throw new BuildsApiError('SYSTEM_ACCESSTOKEN is not set (map it into the step: env: { SYSTEM_ACCESSTOKEN: $(System.AccessToken) })');
  }
  const url = lastSuccessfulRunUrl(api, branch);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${api.accessToken}`, accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new BuildsApiError(`GET ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body = await response.text();
  // Azure DevOps answers an unusable token with 401, or with 203/302 and a sign-in page.
  if (response.status !== 200) {
    throw new BuildsApiError(`GET ${url} answered ${response.status} ${response.statusText}${hint(response.status)}`);
  }
  let parsed: z.infer<typeof BuildList>;
  try {
    parsed = BuildList.parse(JSON.parse(body));
  } catch (error) {
    throw new BuildsApiError(`GET ${url} returned an unexpected body: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [latest] = parsed.value;
  if (!latest) return { found: false };
  return { found: true, buildId: latest.id, buildNumber: latest.buildNumber, sourceVersion: latest.sourceVersion.toLowerCase() };
}

function hint(status: number): string {
  if (status === 401 || status === 203) return ' (is SYSTEM_ACCESSTOKEN mapped and valid?)';
  if (status === 403) return ' (the build service identity needs "View builds" on this pipeline)';
  return '';
}

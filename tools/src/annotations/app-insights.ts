import { CliError, ExitCode } from '../cli/errors';
import { describeFailure, type FailureContext, tokenHintFor } from '../azdo/failures';
import { HttpStatusError, type RetryPolicy, requestJson } from '../azdo/http';
import { parseBaseUrl } from '../azdo/target';
import type { ReleaseAnnotation } from './annotation';

export const annotationsApiVersion = '2015-05-01';
const resourcesApiVersion = '2021-04-01';

/** Azure Resource Manager as annotate uses it; the base URL is overridable so tests use a loopback fake. */
export interface ArmTarget {
  /** https://management.azure.com/ by default (SHIPYARD_ARM_URL, --arm-url). */
  baseUrl: string;
  /** An ARM access token (SHIPYARD_ARM_TOKEN), never read from a file. */
  token: string;
  policy?: RetryPolicy;
}

const componentIdPattern = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/microsoft\.insights\/components\/[^/]+$/i;

export function readArmTarget(env: NodeJS.ProcessEnv, baseUrlOption: string | undefined, policy?: RetryPolicy): ArmTarget | null {
  const token = env.SHIPYARD_ARM_TOKEN?.trim();
  const baseUrl = parseBaseUrl(baseUrlOption ?? env.SHIPYARD_ARM_URL ?? 'https://management.azure.com/', 'ARM URL');
  return token ? { baseUrl, token, policy } : null;
}

export const missingArmToken =
  'annotate needs an Azure Resource Manager token in SHIPYARD_ARM_TOKEN; in the pipeline, inside the AzureCLI@2 step of the service connection: ' +
  'SHIPYARD_ARM_TOKEN="$(az account get-access-token --resource https://management.azure.com/ --query accessToken -o tsv)" npx shipyard annotate …';

function context(doing: string, needs: string): FailureContext {
  return { doing, needs, identity: "the service connection's identity (whoever SHIPYARD_ARM_TOKEN was issued to)", tokenHint: tokenHintFor('SHIPYARD_ARM_TOKEN') };
}

const url = (target: ArmTarget, path: string, query: Record<string, string>) => {
  const result = new URL(path.replace(/^\//, ''), target.baseUrl);
  for (const [key, value] of Object.entries(query)) result.searchParams.set(key, value);
  return result.toString();
};

/**
 * The component's resource id: given as one (/subscriptions/…/components/<name>), or found by
 * name in the subscription, as the Azure docs' script does with `az resource list`.
 */
export async function resolveComponentId(target: ArmTarget, nameOrId: string, subscription: string | undefined): Promise<string> {
  if (nameOrId.startsWith('/')) {
    if (!componentIdPattern.test(nameOrId)) throw new CliError(`--app-insights "${nameOrId}" is not an Application Insights resource id (/subscriptions/<id>/resourceGroups/<group>/providers/microsoft.insights/components/<name>)`, ExitCode.usage);
    return nameOrId;
  }
  if (!subscription) throw new CliError(`--app-insights ${nameOrId} is a name: give the subscription too (--subscription or AZURE_SUBSCRIPTION_ID), or the full resource id`, ExitCode.usage);
  const doing = `finding Application Insights resource ${nameOrId} in subscription ${subscription}`;
  const filter = `resourceType eq 'microsoft.insights/components' and name eq '${nameOrId.replace(/'/g, "''")}'`;
  let found: { value?: Array<{ id: string }> } | undefined;
  try {
    found = await requestJson({ method: 'GET', url: url(target, `subscriptions/${encodeURIComponent(subscription)}/resources`, { $filter: filter, 'api-version': resourcesApiVersion }), authorization: `Bearer ${target.token}`, policy: target.policy });
  } catch (error) {
    throw describeFailure(error, context(doing, `Reader (Microsoft.Resources/subscriptions/resources/read) on the subscription or the resource group of ${nameOrId}; or pass its full resource id`));
  }
  const ids = (found?.value ?? []).map((resource) => resource.id);
  if (ids.length === 0) {
    throw new CliError(`${doing}: none that the token can see (it needs Reader on the resource or its resource group; or pass the full resource id)`, ExitCode.environment);
  }
  if (ids.length > 1) throw new CliError(`${doing}: ${ids.length} match (${ids.join(', ')}); pass the full resource id`, ExitCode.usage);
  return ids[0];
}

/** The annotation with this id, or null. */
export async function findAnnotation(target: ArmTarget, componentId: string, id: string): Promise<ReleaseAnnotation | null> {
  const doing = `reading annotation ${id} of ${componentId}`;
  try {
    const found = await requestJson<ReleaseAnnotation[] | ReleaseAnnotation>({
      method: 'GET',
      url: url(target, `${componentId}/Annotations/${encodeURIComponent(id)}`, { 'api-version': annotationsApiVersion }),
      authorization: `Bearer ${target.token}`,
      policy: target.policy,
    });
    const list = Array.isArray(found) ? found : found ? [found] : [];
    return list.find((annotation) => annotation.Id?.toLowerCase() === id.toLowerCase()) ?? null;
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === 404) return null;
    throw describeFailure(error, context(doing, `read access to ${componentId} (Reader, or Application Insights Component Contributor)`));
  }
}

export type PutOutcome = 'created' | 'exists';

/** PUT …/Annotations; a 409 (an annotation with this id exists) counts as already done. */
export async function putAnnotation(target: ArmTarget, componentId: string, annotation: ReleaseAnnotation): Promise<PutOutcome> {
  const doing = `writing the release annotation to ${componentId}`;
  try {
    await requestJson({
      method: 'PUT',
      url: url(target, `${componentId}/Annotations`, { 'api-version': annotationsApiVersion }),
      authorization: `Bearer ${target.token}`,
      body: annotation,
      policy: target.policy,
    });
    return 'created';
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === 409) return 'exists';
    throw describeFailure(
      error,
      context(doing, `Microsoft.Insights/components/Annotations/write on ${componentId.split('/').pop()} (the role Application Insights Component Contributor, or Monitoring Contributor, on the resource or its resource group)`),
    );
  }
}

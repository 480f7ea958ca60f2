import { CliError, ExitCode } from '../cli/errors';
import { HttpStatusError, statusOf } from './http';

export interface FailureContext {
  /** What was being done, e.g. "creating environment shipyard-prod". */
  doing: string;
  /** The permission the call needs, phrased for the person who grants it. */
  needs: string;
  /** Who the token acts as (see describeIdentity). */
  identity: string;
  /** How to fix a refused token (401), for the token source in use. */
  tokenHint: string;
}

/** The service's own words from our errors and from azure-devops-node-api's (its message is the body's `message`). */
function serviceMessage(error: unknown): string | undefined {
  if (error instanceof HttpStatusError) return error.serviceMessage;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && !/^Failed request: /.test(message) ? message : undefined;
}

/**
 * Turns a failed call into one message a person can act on: 401 names the token, 403 names
 * the permission and who lacks it, anything else keeps the service's words. A CliError passes
 * through unchanged.
 */
export function describeFailure(error: unknown, context: FailureContext): CliError {
  if (error instanceof CliError) return error;
  const status = statusOf(error)?.status;
  const said = serviceMessage(error);
  const detail = said ? ` (the service said: ${said})` : '';
  if (status === 401 || status === 203 || (status !== undefined && status >= 300 && status < 400)) {
    return new CliError(`${context.doing}: the token was refused (401)${detail}. ${context.tokenHint}`, ExitCode.environment);
  }
  if (status === 403) {
    return new CliError(`${context.doing}: permission denied (403): the token needs ${context.needs}; it acts as ${context.identity}${detail}`, ExitCode.environment);
  }
  if (status === 429) {
    return new CliError(`${context.doing}: still throttled (429) after the retries allowed${detail}; run the step again later`, ExitCode.environment);
  }
  if (status !== undefined) return new CliError(`${context.doing}: HTTP ${status}${detail}`, ExitCode.failed);
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`${context.doing}: ${message}`, /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|fetch failed/.test(message) ? ExitCode.environment : ExitCode.failed);
}

export function tokenHintFor(source: 'SYSTEM_ACCESSTOKEN' | 'AZURE_DEVOPS_EXT_PAT' | 'SHIPYARD_ARM_TOKEN'): string {
  switch (source) {
    case 'SYSTEM_ACCESSTOKEN':
      return 'Map the job token into the step (env: { SYSTEM_ACCESSTOKEN: $(System.AccessToken) }) and check that the pipeline may use the project ("Limit job authorization scope" settings)';
    case 'AZURE_DEVOPS_EXT_PAT':
      return 'The personal access token in AZURE_DEVOPS_EXT_PAT is expired, revoked, or belongs to another organisation';
    case 'SHIPYARD_ARM_TOKEN':
      return 'SHIPYARD_ARM_TOKEN must be a current Azure Resource Manager token (az account get-access-token --resource https://management.azure.com/ --query accessToken -o tsv); tokens live about an hour';
  }
}

/** azure-devops-node-api answers a 404, and a 203 sign-in page, with null instead of an error. */
export function requireData<T>(value: T | null | undefined, doing: string): T {
  if (value === null || value === undefined) {
    throw new CliError(
      `${doing}: Azure DevOps answered without data: the project or item does not exist for this token, or the token is not accepted (answered with a sign-in page)`,
      ExitCode.environment,
    );
  }
  return value;
}

import { getBearerHandler, getPersonalAccessTokenHandler } from 'azure-devops-node-api/WebApi';
import type { IRequestHandler } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import { CliError, ExitCode } from '../cli/errors';

/**
 * The token a command uses for Azure DevOps: inside a pipeline the job's own token
 * (SYSTEM_ACCESSTOKEN, the identity "<project> Build Service (<org>)"), on a workstation a
 * personal access token in AZURE_DEVOPS_EXT_PAT (the variable the Azure DevOps CLI reads too).
 * Never a file in the repository.
 */
export interface AzdoCredential {
  source: 'SYSTEM_ACCESSTOKEN' | 'AZURE_DEVOPS_EXT_PAT';
  /** The Authorization header value. */
  authorization: string;
  /** A fresh azure-devops-node-api handler (handlers remember the first host they saw). */
  handler(): IRequestHandler;
}

/** An unmapped secret reaches a step as the literal macro text, e.g. "$(System.AccessToken)". */
const usable = (value: string | undefined): value is string => Boolean(value && value.trim() && !value.startsWith('$('));

export function readAzdoCredential(env: NodeJS.ProcessEnv = process.env): AzdoCredential | null {
  if (usable(env.SYSTEM_ACCESSTOKEN)) {
    const token = env.SYSTEM_ACCESSTOKEN.trim();
    return { source: 'SYSTEM_ACCESSTOKEN', authorization: `Bearer ${token}`, handler: () => getBearerHandler(token) };
  }
  if (usable(env.AZURE_DEVOPS_EXT_PAT)) {
    const token = env.AZURE_DEVOPS_EXT_PAT.trim();
    // The same header azure-devops-node-api's PAT handler sends (Basic, any user name).
    return { source: 'AZURE_DEVOPS_EXT_PAT', authorization: `Basic ${Buffer.from(`PAT:${token}`).toString('base64')}`, handler: () => getPersonalAccessTokenHandler(token) };
  }
  return null;
}

export function requireAzdoCredential(env: NodeJS.ProcessEnv, forWhat: string): AzdoCredential {
  const credential = readAzdoCredential(env);
  if (credential) return credential;
  const unmapped = env.SYSTEM_ACCESSTOKEN?.startsWith('$(') ? ' (SYSTEM_ACCESSTOKEN holds the unexpanded macro: the step does not map it)' : '';
  throw new CliError(
    `${forWhat} needs an Azure DevOps token${unmapped}: in a pipeline map the job's token into the step ` +
      '(env: { SYSTEM_ACCESSTOKEN: $(System.AccessToken) }); on a workstation export AZURE_DEVOPS_EXT_PAT=<personal access token>',
    ExitCode.environment,
  );
}

/** Who the token acts as, for error messages. */
export function describeIdentity(credential: AzdoCredential, project: string, collectionUrl: string): string {
  if (credential.source === 'AZURE_DEVOPS_EXT_PAT') return 'the owner of the personal access token in AZURE_DEVOPS_EXT_PAT';
  const organization = organizationName(collectionUrl);
  return `the pipeline's build service identity ("${project} Build Service (${organization})", or "Project Collection Build Service (${organization})" when the job's authorization scope is the collection)`;
}

/** contoso from https://dev.azure.com/contoso/ or https://contoso.visualstudio.com/. */
export function organizationName(collectionUrl: string): string {
  const url = new URL(collectionUrl);
  if (url.hostname.endsWith('.visualstudio.com')) return url.hostname.split('.')[0];
  return url.pathname.split('/').filter(Boolean)[0] ?? url.host;
}

import { BuildApi } from 'azure-devops-node-api/BuildApi';
import { ClientApiBase } from 'azure-devops-node-api/ClientApiBases';
import { TaskAgentApi } from 'azure-devops-node-api/TaskAgentApi';
import { WorkItemTrackingApi } from 'azure-devops-node-api/WorkItemTrackingApi';
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import { CliError, ExitCode } from '../cli/errors';
import { type AzdoCredential, describeIdentity } from './credentials';
import { type FailureContext, tokenHintFor } from './failures';

/** Where a command talks to: the organisation (collection) URL, the project, the identities service. */
export interface AzdoTarget {
  /** With a trailing slash, e.g. https://dev.azure.com/contoso/ */
  collectionUrl: string;
  project: string;
  /** The identities API host (vssps), e.g. https://vssps.dev.azure.com/contoso/ */
  identitiesUrl: string;
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\./.test(host);

/** Parses a base URL that will carry a token: https, or http on loopback only (the tests' fakes). */
export function parseBaseUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${what} "${value}" is not a URL`, ExitCode.usage);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new CliError(`${what} "${value}" must use https (plain http is accepted for loopback addresses only)`, ExitCode.usage);
  }
  url.search = '';
  url.hash = '';
  return url.toString().endsWith('/') ? url.toString() : `${url.toString()}/`;
}

/** The identities (vssps) host that belongs to a collection URL; other hosts (Azure DevOps Server, fakes) serve it themselves. */
export function identitiesUrlFor(collectionUrl: string): string {
  const url = new URL(collectionUrl);
  if (url.hostname === 'dev.azure.com') return `https://vssps.dev.azure.com${url.pathname}`;
  const legacy = /^([^.]+)\.visualstudio\.com$/.exec(url.hostname);
  if (legacy) return `https://${legacy[1]}.vssps.visualstudio.com${url.pathname}`;
  return collectionUrl;
}

export interface TargetInputs {
  collectionUrl?: string;
  project?: string;
  identitiesUrl?: string;
}

/**
 * Flags first, then the pipeline's own variables (SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECT),
 * then the configuration file's organization/project.
 */
export function resolveTarget(flags: TargetInputs, config: { organization?: string; project?: string } | undefined, env: NodeJS.ProcessEnv = process.env): AzdoTarget {
  const fromConfig = config?.organization ? `https://dev.azure.com/${encodeURIComponent(config.organization)}/` : undefined;
  const rawCollection = flags.collectionUrl ?? env.SYSTEM_COLLECTIONURI ?? fromConfig;
  if (!rawCollection) {
    throw new CliError('no Azure DevOps organisation: pass --collection-url https://dev.azure.com/<org>/, or set organization in azure-devops.yml (SYSTEM_COLLECTIONURI in a pipeline)', ExitCode.usage);
  }
  const project = flags.project ?? env.SYSTEM_TEAMPROJECT ?? config?.project;
  if (!project) throw new CliError('no Azure DevOps project: pass --project, or set project in azure-devops.yml (SYSTEM_TEAMPROJECT in a pipeline)', ExitCode.usage);
  const collectionUrl = parseBaseUrl(rawCollection, 'collection URL');
  const identities = flags.identitiesUrl ?? env.SHIPYARD_AZDO_IDENTITIES_URL;
  return { collectionUrl, project, identitiesUrl: identities ? parseBaseUrl(identities, 'identities URL') : identitiesUrlFor(collectionUrl) };
}

/**
 * azure-devops-node-api clients, constructed straight on the collection URL: on Azure DevOps
 * Services the work item and distributed-task areas live there, so the resource-area lookup the
 * WebApi factories make first is skipped. Retries are ours (withRetry): typed-rest-client's
 * own retry ignores 429 and Retry-After. Redirects are not followed: Azure DevOps redirects an
 * unusable token to a sign-in page.
 */
const requestOptions: IRequestOptions = { allowRetries: false, allowRedirects: false, socketTimeout: 30_000 };

export function workItemsApi(target: AzdoTarget, credential: AzdoCredential): WorkItemTrackingApi {
  return new WorkItemTrackingApi(target.collectionUrl, [credential.handler()], requestOptions);
}

export function buildApi(collectionUrl: string, credential: AzdoCredential): BuildApi {
  return new BuildApi(collectionUrl, [credential.handler()], requestOptions);
}

export function taskAgentApi(target: AzdoTarget, credential: AzdoCredential): TaskAgentApi {
  return new TaskAgentApi(target.collectionUrl, [credential.handler()], requestOptions);
}

/**
 * The node API's REST client for the areas it has no typed client for (pipeline checks, and
 * identities on the vssps host), on a base URL given up front: same token handler, options and
 * error shape (statusCode, responseHeaders) as the typed clients above.
 */
export function restClient(baseUrl: string, credential: AzdoCredential): ClientApiBase['rest'] {
  return new ClientApiBase(baseUrl, [credential.handler()], 'shipyard', requestOptions).rest;
}

/** The parts of a failure message that depend on the token and the target. */
export function failureContext(target: AzdoTarget, credential: AzdoCredential, doing: string, needs: string): FailureContext {
  return { doing, needs, identity: describeIdentity(credential, target.project, target.collectionUrl), tokenHint: tokenHintFor(credential.source) };
}

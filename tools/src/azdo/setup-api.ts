import type { ExistingCheck, ResolvedApprover } from './checks';
import type { AzdoCredential } from './credentials';
import { describeFailure, requireData } from './failures';
import { type RetryPolicy, statusOf, withRetry } from './http';
import type { ExistingEnvironment } from './plan';
import { type AzdoTarget, failureContext, restClient, taskAgentApi } from './target';

/** The calls azdo setup makes; the REST implementation is below, tests use a loopback fake behind it. */
export interface SetupApi {
  findEnvironment(name: string): Promise<ExistingEnvironment | null>;
  createEnvironment(name: string, description: string): Promise<ExistingEnvironment>;
  updateEnvironment(id: number, name: string, description: string): Promise<void>;
  listChecks(environment: { id: number; name: string }): Promise<ExistingCheck[]>;
  createCheck(environmentName: string, body: Record<string, unknown>): Promise<ExistingCheck>;
  updateCheck(environmentName: string, id: number, body: Record<string, unknown>): Promise<ExistingCheck>;
  resolveApprover(text: string): Promise<ResolvedApprover>;
}

const checksApiVersion = '7.1-preview.1';

interface Identity {
  id: string;
  providerDisplayName?: string;
  customDisplayName?: string;
  isActive?: boolean;
  properties?: { Account?: { $value?: string }; Mail?: { $value?: string } };
}

export function restSetupApi(target: AzdoTarget, credential: AzdoCredential, policy?: RetryPolicy): SetupApi {
  const agent = taskAgentApi(target, credential);
  const rest = restClient(target.collectionUrl, credential);
  const identities = restClient(target.identitiesUrl, credential);
  const project = target.project;
  const fail = (error: unknown, doing: string, needs: string) => describeFailure(error, failureContext(target, credential, doing, needs));
  const environmentsRole = (role: string) => `the '${role}' role on Pipelines › Environments › Security in project ${project} (a personal access token also needs the scope Environment (Read & manage))`;
  const administer = (name: string, scope = 'Environment (Read & manage)') =>
    `'Administer' on environment ${name} (the Administrator role in Pipelines › Environments › ${name} › Security; a personal access token also needs the scope ${scope})`;
  const checksScope = 'Build (Read & execute), which the checks API asks for';
  const checksUrl = (suffix: string, query: Record<string, string>) => {
    const url = new URL(`${encodeURIComponent(project)}/_apis/pipelines/checks/configurations${suffix}`, target.collectionUrl);
    for (const [key, value] of Object.entries({ ...query, 'api-version': checksApiVersion })) url.searchParams.set(key, value);
    return url.toString();
  };
  // A 203 is Azure DevOps' sign-in page for a token it does not accept here: refuse it like a 401.
  const dataOf = <T>(response: { statusCode: number; result: T | null }, doing: string): T => {
    if (response.statusCode === 203) throw Object.assign(new Error('answered with a sign-in page instead of data (the token is not valid here)'), { statusCode: 401 });
    return requireData(response.result, doing);
  };
  const toEnvironment = (found: { id?: number; name?: string; description?: string }): ExistingEnvironment => ({ id: found.id as number, name: found.name as string, description: found.description });

  const api: SetupApi = {
    async findEnvironment(name) {
      const doing = `reading environment ${name}`;
      try {
        const found = requireData(await withRetry(doing, () => agent.getEnvironments(project, name), { idempotent: true, policy }), doing);
        const match = found.find((environment) => environment.name?.toLowerCase() === name.toLowerCase());
        return match ? toEnvironment(match) : null;
      } catch (error) {
        throw fail(error, doing, environmentsRole('Reader'));
      }
    },
    async createEnvironment(name, description) {
      const doing = `creating environment ${name}`;
      try {
        return toEnvironment(requireData(await withRetry(doing, () => agent.addEnvironment({ name, description }, project), { idempotent: false, policy }), doing));
      } catch (error) {
        // Created meanwhile (another run, a person): use that one, its checks are planned next.
        if (statusOf(error)?.status === 409) {
          const existing = await api.findEnvironment(name);
          if (existing) return existing;
        }
        throw fail(error, doing, environmentsRole('Creator'));
      }
    },
    async updateEnvironment(id, name, description) {
      const doing = `updating environment ${name}`;
      try {
        requireData(await withRetry(doing, () => agent.updateEnvironment({ name, description }, project, id), { idempotent: true, policy }), doing);
      } catch (error) {
        throw fail(error, doing, administer(name));
      }
    },
    async listChecks(environment) {
      const doing = `reading the checks of environment ${environment.name}`;
      try {
        const url = checksUrl('', { resourceType: 'environment', resourceId: String(environment.id), $expand: 'settings' });
        return dataOf(await withRetry(doing, () => rest.get<{ value?: ExistingCheck[] }>(url), { idempotent: true, policy }), doing).value ?? [];
      } catch (error) {
        throw fail(error, doing, administer(environment.name, checksScope));
      }
    },
    async createCheck(environmentName, body) {
      const doing = `adding the ${(body.type as { name: string }).name} check to environment ${environmentName}`;
      try {
        return dataOf(await withRetry(doing, () => rest.create<ExistingCheck>(checksUrl('', {}), body), { idempotent: false, policy }), doing);
      } catch (error) {
        throw fail(error, doing, administer(environmentName, checksScope));
      }
    },
    async updateCheck(environmentName, id, body) {
      const doing = `updating check ${id} (${(body.type as { name: string }).name}) of environment ${environmentName}`;
      try {
        return dataOf(await withRetry(doing, () => rest.update<ExistingCheck>(checksUrl(`/${id}`, {}), body), { idempotent: true, policy }), doing);
      } catch (error) {
        throw fail(error, doing, administer(environmentName, checksScope));
      }
    },
    async resolveApprover(text) {
      const doing = `looking up approver "${text}"`;
      let found: { value?: Identity[] } | undefined;
      try {
        const url = new URL('_apis/identities', target.identitiesUrl);
        url.searchParams.set('searchFilter', 'General');
        url.searchParams.set('filterValue', text);
        url.searchParams.set('queryMembership', 'None');
        url.searchParams.set('api-version', '7.1');
        found = dataOf(await withRetry(doing, () => identities.get<{ value?: Identity[] }>(url.toString()), { idempotent: true, policy }), doing);
      } catch (error) {
        throw fail(error, doing, 'permission to read identities (a personal access token needs the scope Identity (Read))');
      }
      const active = (found?.value ?? []).filter((identity) => identity.isActive !== false);
      const nameOf = (identity: Identity) => identity.customDisplayName || identity.providerDisplayName || identity.id;
      if (active.length === 0) throw describeFailure(new Error(`no active user or group matches "${text}" in ${target.identitiesUrl}`), failureContext(target, credential, doing, ''));
      if (active.length > 1) {
        throw describeFailure(new Error(`"${text}" matches ${active.length} identities (${active.map(nameOf).join('; ')}): use a sign-in e-mail, a "[project]\\Group" name or { id: <guid> }`), failureContext(target, credential, doing, ''));
      }
      return { id: active[0].id, displayName: nameOf(active[0]) };
    },
  };
  return api;
}

import { checkTypes } from '../checks';
import { azdoError, FakeServer, type FakeRequest, type FakeResponse, tokenOf, unauthorized } from './fake-server';
import { locationsRoute } from './locations';

export interface FakeEnvironment {
  id: number;
  name: string;
  description: string;
}

export interface FakeCheck {
  id: number;
  type: { id: string; name: string };
  settings: Record<string, unknown>;
  resource: { type: string; id: string; name?: string };
  timeout: number;
}

export interface FakeIdentity {
  id: string;
  displayName: string;
  /** Sign-in e-mail for users, "[project]\Group" for groups. */
  account: string;
  isActive?: boolean;
}

/** What the token may do; everything by default. */
export interface FakePermissions {
  createEnvironments: boolean;
  /** Environment names the token administers (checks, edits); 'all' by default. */
  administer: 'all' | string[];
  readIdentities: boolean;
}

/**
 * A loopback Azure DevOps for azdo setup: environments (distributedtask, through
 * azure-devops-node-api's location lookup), check configurations (pipelines/checks) and
 * identities. It checks paths, methods, api-versions, bodies and the token, and answers as
 * the service does, including 401 without a valid token and 403 without the permission.
 */
export class FakePipelinesApi {
  readonly environments = new Map<number, FakeEnvironment>();
  readonly checks = new Map<number, FakeCheck>();
  identities: FakeIdentity[] = [];
  permissions: FakePermissions = { createEnvironments: true, administer: 'all', readIdentities: true };
  private nextEnvironment = 1;
  private nextCheck = 100;

  private constructor(
    readonly server: FakeServer,
    readonly organization: string,
    readonly project: string,
    readonly token: string,
  ) {}

  static async start(options: { organization?: string; project?: string; token?: string } = {}): Promise<FakePipelinesApi> {
    const server = await FakeServer.start((request) => fake.route(request));
    const fake: FakePipelinesApi = new FakePipelinesApi(server, options.organization ?? 'contoso', options.project ?? 'Ship Yard', options.token ?? 'fake-token');
    return fake;
  }

  get collectionUrl(): string {
    return `${this.server.baseUrl}${this.organization}/`;
  }

  addEnvironment(name: string, description = ''): FakeEnvironment {
    const environment = { id: this.nextEnvironment++, name, description };
    this.environments.set(environment.id, environment);
    return environment;
  }

  addCheck(check: Omit<FakeCheck, 'id'>): FakeCheck {
    const stored = { ...check, id: this.nextCheck++ };
    this.checks.set(stored.id, stored);
    return stored;
  }

  checksOf(environmentName: string): FakeCheck[] {
    const environment = [...this.environments.values()].find((candidate) => candidate.name === environmentName);
    return [...this.checks.values()].filter((check) => environment && check.resource.type === 'environment' && check.resource.id === String(environment.id));
  }

  /** Non-OPTIONS requests as "METHOD /path", for asserting what was written. */
  get writes(): string[] {
    return this.server.calls.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.segments.slice(1).join('/')}`);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private mayAdminister(name: string): boolean {
    return this.permissions.administer === 'all' || this.permissions.administer.includes(name);
  }

  private route(request: FakeRequest): FakeResponse | undefined {
    const locations = locationsRoute([this.organization], request);
    if (locations) return locations;
    if (tokenOf(request.headers.authorization) !== this.token) return unauthorized;
    const [organization, second, third, ...rest] = request.segments;
    if (organization !== this.organization) return undefined;
    if (second === '_apis' && third === 'identities') return this.identitiesRoute(request, rest);
    if (second !== this.project || third !== '_apis') return undefined;
    if (!request.apiVersion) return azdoError(400, 'No api-version was supplied for the "' + request.method + '" request.', 'VssVersionNotSpecifiedException');
    const [area, resource, id, ...more] = rest;
    if (area === 'distributedtask' && resource === 'environments' && more.length === 0) return this.environmentsRoute(request, id);
    if (area === 'pipelines' && resource === 'checks' && id === 'configurations' && more.length <= 1) return this.checksRoute(request, more[0]);
    return undefined;
  }

  private identitiesRoute(request: FakeRequest, rest: string[]): FakeResponse | undefined {
    if (request.method !== 'GET' || rest.length > 0) return undefined;
    if (!request.apiVersion) return azdoError(400, 'No api-version was supplied for the "GET" request.', 'VssVersionNotSpecifiedException');
    if (!this.permissions.readIdentities) return azdoError(403, 'Access denied: the token lacks the vso.identity scope.', 'UnauthorizedAccessException');
    if (request.query.get('searchFilter') !== 'General') return azdoError(400, 'searchFilter must be given.', 'ArgumentException');
    const wanted = (request.query.get('filterValue') ?? '').toLowerCase();
    const value = this.identities
      .filter((identity) => identity.account.toLowerCase() === wanted || identity.displayName.toLowerCase() === wanted)
      .map((identity) => ({
        id: identity.id,
        descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${identity.account}`,
        providerDisplayName: identity.displayName,
        isActive: identity.isActive ?? true,
        properties: { Account: { $type: 'System.String', $value: identity.account } },
      }));
    return { status: 200, body: { count: value.length, value } };
  }

  private environmentsRoute(request: FakeRequest, id: string | undefined): FakeResponse | undefined {
    const shape = (environment: FakeEnvironment) => ({ ...environment, project: { id: 'p-1', name: this.project }, createdOn: '2025-01-01T00:00:00Z' });
    if (request.method === 'GET' && id === undefined) {
      const name = request.query.get('name');
      const value = [...this.environments.values()].filter((environment) => !name || environment.name.toLowerCase() === name.toLowerCase()).map(shape);
      return { status: 200, body: { count: value.length, value } };
    }
    if (request.method === 'POST' && id === undefined) {
      const body = request.body as { name?: unknown; description?: unknown } | undefined;
      if (typeof body?.name !== 'string' || body.name.length === 0) return azdoError(400, 'Environment name is required.', 'ArgumentException');
      if (!this.permissions.createEnvironments) return azdoError(403, `Access denied. You do not have permission to create environments in ${this.project}.`, 'AccessDeniedException');
      if ([...this.environments.values()].some((environment) => environment.name.toLowerCase() === (body.name as string).toLowerCase())) {
        return azdoError(409, `Environment with name ${body.name} already exists.`, 'EnvironmentExistsException');
      }
      return { status: 200, body: shape(this.addEnvironment(body.name, typeof body.description === 'string' ? body.description : '')) };
    }
    if (request.method === 'PATCH' && id !== undefined) {
      const environment = this.environments.get(Number(id));
      if (!environment) return azdoError(404, `Environment ${id} not found.`, 'EnvironmentNotFoundException');
      if (!this.mayAdminister(environment.name)) return azdoError(403, `Access denied: Administrator role required on environment ${environment.name}.`, 'AccessDeniedException');
      const body = request.body as { name?: string; description?: string };
      Object.assign(environment, { name: body.name ?? environment.name, description: body.description ?? environment.description });
      return { status: 200, body: shape(environment) };
    }
    return undefined;
  }

  private validateCheck(body: unknown): FakeResponse | FakeCheck {
    const check = body as Partial<FakeCheck> & { resource?: { id?: unknown } };
    const knownType = Object.values(checkTypes).find((type) => type.id === check?.type?.id?.toLowerCase());
    if (!knownType) return azdoError(400, `Check type ${check?.type?.id} does not exist.`, 'InvalidCheckConfigurationException');
    // The real service fails a numeric resource id with a null reference; the body must carry a string.
    if (check.resource?.type !== 'environment' || typeof check.resource.id !== 'string') {
      return azdoError(400, 'Object reference not set to an instance of an object.', 'InvalidCheckConfigurationException');
    }
    const environment = this.environments.get(Number(check.resource.id));
    if (!environment) return azdoError(404, `Environment ${check.resource.id} not found.`, 'ResourceNotFoundException');
    if (typeof check.timeout !== 'number' || check.timeout < 1) return azdoError(400, 'Timeout must be a positive number of minutes.', 'InvalidCheckConfigurationException');
    const settings = (check.settings ?? {}) as Record<string, unknown>;
    if (knownType === checkTypes.approval) {
      const approvers = settings.approvers as Array<{ id?: string }> | undefined;
      if (!approvers?.length || approvers.some((approver) => !this.identities.some((identity) => identity.id === approver.id))) {
        return azdoError(400, 'Approvers must be existing identities.', 'InvalidCheckConfigurationException');
      }
    }
    if (knownType === checkTypes.taskCheck && !(settings.definitionRef as { id?: string } | undefined)?.id) {
      return azdoError(400, 'A task check needs settings.definitionRef.', 'InvalidCheckConfigurationException');
    }
    return { id: 0, type: { id: knownType.id, name: knownType.name }, settings, resource: { type: 'environment', id: check.resource.id, name: environment.name }, timeout: check.timeout };
  }

  private checksRoute(request: FakeRequest, id: string | undefined): FakeResponse | undefined {
    const environmentName = (check: FakeCheck) => this.environments.get(Number(check.resource.id))?.name ?? '?';
    if (request.method === 'GET' && id === undefined) {
      if (request.query.get('resourceType') !== 'environment' || !request.query.get('resourceId')) {
        return azdoError(400, 'resourceType and resourceId are required.', 'ArgumentException');
      }
      const expand = request.query.get('$expand') === 'settings';
      const value = [...this.checks.values()]
        .filter((check) => check.resource.id === request.query.get('resourceId'))
        .map((check) => (expand ? check : { ...check, settings: undefined }));
      return { status: 200, body: { count: value.length, value } };
    }
    if (request.method === 'POST' && id === undefined) {
      const checked = this.validateCheck(request.body);
      if (!('type' in checked)) return checked;
      if (!this.mayAdminister(environmentName(checked))) return azdoError(403, `Access denied: Administrator role required on environment ${environmentName(checked)}.`, 'AccessDeniedException');
      return { status: 200, body: this.addCheck(checked) };
    }
    if (request.method === 'PATCH' && id !== undefined) {
      const existing = this.checks.get(Number(id));
      if (!existing) return azdoError(404, `Check configuration ${id} does not exist.`, 'CheckConfigurationNotFoundException');
      const checked = this.validateCheck(request.body);
      if (!('type' in checked)) return checked;
      const bodyId = (request.body as { id?: unknown }).id;
      if (bodyId !== undefined && bodyId !== existing.id) return azdoError(400, 'The id in the body does not match the URL.', 'ArgumentException');
      if (!this.mayAdminister(environmentName(existing))) return azdoError(403, `Access denied: Administrator role required on environment ${environmentName(existing)}.`, 'AccessDeniedException');
      const updated = { ...checked, id: existing.id };
      this.checks.set(existing.id, updated);
      return { status: 200, body: updated };
    }
    return undefined;
  }
}

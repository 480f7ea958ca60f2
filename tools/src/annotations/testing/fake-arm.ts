import { armError, FakeServer, type FakeRequest, type FakeResponse, tokenOf } from '../../azdo/testing/fake-server';
import type { ReleaseAnnotation } from '../annotation';

export interface FakeComponent {
  subscription: string;
  resourceGroup: string;
  name: string;
}

const componentIdOf = (component: FakeComponent) =>
  `/subscriptions/${component.subscription}/resourceGroups/${component.resourceGroup}/providers/microsoft.insights/components/${component.name}`;

/**
 * A loopback Azure Resource Manager with what annotate calls: the resource list filtered by
 * type and name (2021-04-01) and a component's Annotations (2015-05-01): PUT to create, GET by
 * id. It checks the bearer token, api-versions and the body the portal needs (Id, name,
 * Category "Deployment", EventTime, Properties as a JSON string), and answers like ARM:
 * 401 InvalidAuthenticationToken, 403 AuthorizationFailed, 409 for an Id that exists.
 */
export class FakeArm {
  readonly components: FakeComponent[] = [];
  /** Annotations per component id (lower case). */
  readonly annotations = new Map<string, ReleaseAnnotation[]>();
  permissions = { listResources: true, read: true, write: true };
  /** How a GET of an unknown annotation id is answered; the API documents neither, so both are handled. */
  unknownAnnotation: 'not-found' | 'empty-list' = 'not-found';

  private constructor(
    readonly server: FakeServer,
    readonly token: string,
  ) {}

  static async start(token = 'arm-token'): Promise<FakeArm> {
    const fake: FakeArm = new FakeArm(await FakeServer.start((request) => fake.route(request)), token);
    return fake;
  }

  addComponent(component: FakeComponent): string {
    this.components.push(component);
    return componentIdOf(component);
  }

  annotationsOf(componentId: string): ReleaseAnnotation[] {
    return this.annotations.get(componentId.toLowerCase()) ?? [];
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private denied(action: string, scope: string): FakeResponse {
    return armError(403, 'AuthorizationFailed', `The client 'pipeline' with object id '00000000-0000-0000-0000-0000000000aa' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`);
  }

  private route(request: FakeRequest): FakeResponse | undefined {
    if (tokenOf(request.headers.authorization) !== this.token || !request.headers.authorization?.startsWith('Bearer ')) {
      return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    }
    const lower = request.segments.map((segment) => segment.toLowerCase());
    if (request.method === 'GET' && lower.length === 3 && lower[0] === 'subscriptions' && lower[2] === 'resources') return this.listResources(request);
    const component = this.components.find((candidate) => componentIdOf(candidate).toLowerCase() === `/${lower.slice(0, 8).join('/')}`);
    if (!component || lower[8] !== 'annotations') return undefined;
    if (request.query.get('api-version') !== '2015-05-01') return armError(400, 'InvalidApiVersionParameter', `The api-version '${request.query.get('api-version')}' is invalid for Annotations.`);
    const id = componentIdOf(component);
    const stored = this.annotations.get(id.toLowerCase()) ?? [];
    if (request.method === 'GET' && lower.length === 10) {
      if (!this.permissions.read) return this.denied('Microsoft.Insights/components/Annotations/read', id);
      const found = stored.filter((annotation) => annotation.Id.toLowerCase() === lower[9]);
      if (found.length === 0 && this.unknownAnnotation === 'not-found') return armError(404, 'ResourceNotFound', `Annotation ${request.segments[9]} was not found.`);
      return { status: 200, body: found };
    }
    if (request.method === 'PUT' && lower.length === 9) {
      if (!this.permissions.write) return this.denied('Microsoft.Insights/components/Annotations/write', id);
      const problem = this.invalid(request.body);
      if (problem) return armError(400, 'BadRequest', problem);
      const annotation = request.body as ReleaseAnnotation;
      if (stored.some((existing) => existing.Id.toLowerCase() === annotation.Id.toLowerCase())) {
        return armError(409, 'Conflict', `An annotation with Id ${annotation.Id} already exists.`);
      }
      this.annotations.set(id.toLowerCase(), [...stored, annotation]);
      return { status: 200, body: [annotation] };
    }
    return undefined;
  }

  private listResources(request: FakeRequest): FakeResponse {
    if (request.query.get('api-version') !== '2021-04-01') return armError(400, 'InvalidApiVersionParameter', 'Unsupported api-version for resources.');
    if (!this.permissions.listResources) return this.denied('Microsoft.Resources/subscriptions/resources/read', `/subscriptions/${request.segments[1]}`);
    const filter = request.query.get('$filter') ?? '';
    const type = /resourceType eq '([^']+)'/.exec(filter)?.[1]?.toLowerCase();
    const name = /name eq '((?:[^']|'')+)'/.exec(filter)?.[1]?.replace(/''/g, "'");
    const value = this.components
      .filter((component) => component.subscription === request.segments[1])
      .filter((component) => (!type || type === 'microsoft.insights/components') && (!name || component.name.toLowerCase() === name.toLowerCase()))
      .map((component) => ({ id: componentIdOf(component), name: component.name, type: 'microsoft.insights/components', location: 'westeurope' }));
    return { status: 200, body: { value } };
  }

  private invalid(body: unknown): string | undefined {
    const annotation = body as Partial<ReleaseAnnotation> | undefined;
    if (!annotation || typeof annotation !== 'object') return 'The body must be an Annotation object.';
    if (typeof annotation.Id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(annotation.Id)) return 'Id must be a GUID.';
    if (!annotation.AnnotationName) return 'AnnotationName is required.';
    if (typeof annotation.EventTime !== 'string' || Number.isNaN(Date.parse(annotation.EventTime))) return 'EventTime must be a date-time.';
    if (typeof annotation.Properties !== 'string') return 'Properties must be a serialized JSON object.';
    try {
      const properties = JSON.parse(annotation.Properties) as unknown;
      if (!properties || typeof properties !== 'object' || Array.isArray(properties)) return 'Properties must be a serialized JSON object.';
    } catch {
      return 'Properties must be a serialized JSON object.';
    }
    return undefined;
  }
}

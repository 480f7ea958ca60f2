import { azdoError, FakeServer, type FakeRequest, type FakeResponse, tokenOf, unauthorized } from '../../azdo/testing/fake-server';
import { locationsRoute } from '../../azdo/testing/locations';

export interface FakeItem {
  id: number;
  rev: number;
  project: string;
  type: string;
  title: string;
  state: string;
  relations: Array<{ rel: string; url: string; attributes?: Record<string, unknown> }>;
  comments: Array<{ id: number; text: string }>;
}

/** States the item types allow (Basic and Agile processes), for 400s on a state a type does not have. */
const statesByType: Record<string, string[]> = {
  Issue: ['To Do', 'Doing', 'Done'],
  Task: ['To Do', 'Doing', 'Done'],
  'User Story': ['New', 'Active', 'Resolved', 'Closed', 'Removed'],
};

/**
 * A loopback Azure Boards: work items (GET with relations, JSON Patch) and their comments
 * (list with continuation tokens, add), behind azure-devops-node-api's location lookup. It
 * checks the token, api-versions, the patch content type and operations, and answers like the
 * service: 404 (TF401232) for an item that does not exist or cannot be read, 403 for a write
 * outside the token's area permissions, 400 for a state the item type does not have.
 */
export class FakeBoards {
  readonly items = new Map<number, FakeItem>();
  /** Items the token may not edit or comment on. */
  readonly readOnly = new Set<number>();
  /** Comments per page, like the service's $top limit. */
  commentPageSize = 200;
  private nextComment = 1000;

  private constructor(
    readonly server: FakeServer,
    readonly organization: string,
    readonly token: string,
  ) {}

  static async start(options: { organization?: string; token?: string } = {}): Promise<FakeBoards> {
    const server = await FakeServer.start((request) => fake.route(request));
    const fake: FakeBoards = new FakeBoards(server, options.organization ?? 'contoso', options.token ?? 'fake-token');
    return fake;
  }

  get collectionUrl(): string {
    return `${this.server.baseUrl}${this.organization}/`;
  }

  addItem(item: Partial<FakeItem> & { id: number }): FakeItem {
    const stored: FakeItem = { rev: 1, project: 'Ship Yard', type: 'Issue', title: `Item ${item.id}`, state: 'Doing', relations: [], comments: [], ...item };
    this.items.set(stored.id, stored);
    return stored;
  }

  /** Writes (PATCH and comment POSTs) as "METHOD id[/comments]". */
  get writes(): string[] {
    return this.server.calls
      .filter((request) => request.method === 'PATCH' || request.method === 'POST')
      .map((request) => `${request.method} ${request.segments.slice(request.segments.indexOf('workItems') + 1).join('/')}`);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private shape(item: FakeItem) {
    return {
      id: item.id,
      rev: item.rev,
      fields: { 'System.TeamProject': item.project, 'System.WorkItemType': item.type, 'System.Title': item.title, 'System.State': item.state, 'System.AreaPath': item.project },
      relations: item.relations,
      url: `${this.collectionUrl}_apis/wit/workItems/${item.id}`,
    };
  }

  private route(request: FakeRequest): FakeResponse | undefined {
    const locations = locationsRoute([this.organization], request);
    if (locations) return locations;
    if (tokenOf(request.headers.authorization) !== this.token) return unauthorized;
    const segments = request.segments;
    if (segments[0] !== this.organization) return undefined;
    const apis = segments.indexOf('_apis');
    // {org}/_apis/wit/… or {org}/{project}/_apis/wit/…
    if (apis < 1 || apis > 2 || segments[apis + 1] !== 'wit' || segments[apis + 2]?.toLowerCase() !== 'workitems') return undefined;
    const project = apis === 2 ? segments[1] : undefined;
    const item = this.items.get(Number(segments[apis + 3]));
    const rest = segments.slice(apis + 4);
    if (!request.apiVersion) return azdoError(400, `No api-version was supplied for the "${request.method}" request.`, 'VssVersionNotSpecifiedException');
    const missing = azdoError(404, `TF401232: Work item ${segments[apis + 3]} does not exist, or you do not have permissions to read it.`, 'WorkItemUnauthorizedAccessException');
    if (!item || (project && project.toLowerCase() !== item.project.toLowerCase())) return missing;
    if (rest.length === 0 && request.method === 'GET') return this.getItem(request, item);
    if (rest.length === 0 && request.method === 'PATCH') return this.patchItem(request, item);
    if (rest.length === 1 && rest[0] === 'comments') {
      if (!project) return azdoError(400, 'The project is required for comments.', 'ArgumentException');
      if (!request.apiVersion.includes('-preview')) return azdoError(400, `The requested REST API version of ${request.apiVersion} is in preview; pass -preview.`, 'VssInvalidPreviewVersionException');
      if (request.method === 'GET') return this.listComments(request, item);
      if (request.method === 'POST') return this.addComment(request, item);
    }
    return undefined;
  }

  private getItem(request: FakeRequest, item: FakeItem): FakeResponse {
    const expand = request.query.get('$expand');
    if (expand && request.query.get('fields')) return azdoError(400, 'The expand parameter can not be used with the fields parameter.', 'ArgumentException');
    const shaped = this.shape(item);
    const withRelations = expand !== null && ['1', '4', 'relations', 'all'].includes(expand.toLowerCase());
    return { status: 200, body: withRelations ? shaped : { ...shaped, relations: undefined } };
  }

  private patchItem(request: FakeRequest, item: FakeItem): FakeResponse {
    if (request.headers['content-type']?.split(';')[0] !== 'application/json-patch+json') {
      return azdoError(415, 'The request content type must be application/json-patch+json.', 'VssRequestContentTypeNotSupportedException');
    }
    if (this.readOnly.has(item.id)) return azdoError(403, 'TF237111: The current user does not have permissions to save work items under the specified area path.', 'WorkItemUnauthorizedAccessException');
    const operations = request.body as Array<{ op?: unknown; path?: unknown; value?: unknown }>;
    if (!Array.isArray(operations) || operations.length === 0) return azdoError(400, 'You must pass a valid patch document in the body of the request.', 'VssPropertyValidationException');
    const next = structuredClone(item);
    for (const operation of operations) {
      if (operation.op !== 'add') return azdoError(400, `Unsupported operation ${JSON.stringify(operation.op)}.`, 'VssPropertyValidationException');
      if (operation.path === '/relations/-') {
        const relation = operation.value as FakeItem['relations'][number];
        if (!relation?.rel || !relation.url) return azdoError(400, 'A relation needs rel and url.', 'VssPropertyValidationException');
        if (relation.rel === 'ArtifactLink' && !/^vstfs:\/\/\/Build\/Build\/\d+$/.test(relation.url)) return azdoError(400, `Invalid artifact url ${relation.url}.`, 'VssPropertyValidationException');
        if (next.relations.some((existing) => existing.rel === relation.rel && existing.url.toLowerCase() === relation.url.toLowerCase())) {
          return azdoError(400, `Relation already exists: ${relation.url}.`, 'WorkItemLinkAddExtraParentException');
        }
        next.relations.push(relation);
      } else if (operation.path === '/fields/System.State') {
        const allowed = statesByType[next.type] ?? [];
        if (!allowed.includes(String(operation.value))) {
          return azdoError(400, `TF401320: Rule Error for field State. Error code: InvalidListValue, the value '${String(operation.value)}' is not allowed for ${next.type}.`, 'RuleValidationException');
        }
        next.state = String(operation.value);
      } else {
        return azdoError(400, `Unsupported path ${String(operation.path)}.`, 'VssPropertyValidationException');
      }
    }
    next.rev++;
    this.items.set(item.id, next);
    return { status: 200, body: this.shape(next) };
  }

  private listComments(request: FakeRequest, item: FakeItem): FakeResponse {
    const top = Math.min(Number(request.query.get('$top') ?? 200), 200, this.commentPageSize);
    const start = Number(request.query.get('continuationToken') ?? 0);
    const page = item.comments.slice(start, start + top).map((comment) => ({ ...comment, workItemId: item.id, version: 1 }));
    const more = start + top < item.comments.length;
    return { status: 200, body: { totalCount: item.comments.length, count: page.length, comments: page, ...(more ? { continuationToken: String(start + top) } : {}) } };
  }

  private addComment(request: FakeRequest, item: FakeItem): FakeResponse {
    if (this.readOnly.has(item.id)) return azdoError(403, 'TF237111: The current user does not have permissions to save work items under the specified area path.', 'WorkItemUnauthorizedAccessException');
    const text = (request.body as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.trim().length === 0) return azdoError(400, 'Comment text is required.', 'ArgumentException');
    const comment = { id: this.nextComment++, text };
    item.comments.push(comment);
    return { status: 200, body: { ...comment, workItemId: item.id, version: 1, createdDate: '2025-06-01T12:00:00Z' } };
  }
}

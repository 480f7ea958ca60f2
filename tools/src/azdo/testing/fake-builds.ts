import { azdoError, FakeServer, type FakeRequest, type FakeResponse, tokenOf, unauthorized } from './fake-server';
import { locationsRoute } from './locations';

/** A run as Builds - List returns it (enums as the service spells them). */
export interface FakeBuild {
  id: number;
  buildNumber: string;
  sourceVersion: string;
  result: 'succeeded' | 'partiallySucceeded' | 'failed' | 'canceled';
  finishTime: string;
  queueTime: string;
  /** Result of each stage in the run's timeline, by stage identifier. */
  stages: Record<string, 'succeeded' | 'succeededWithIssues' | 'failed' | 'skipped' | 'canceled'>;
}

const resultBits: Record<FakeBuild['result'], number> = { succeeded: 2, partiallySucceeded: 4, failed: 8, canceled: 32 };

/**
 * The Builds API of one project on loopback, as azure-devops-node-api calls it: location lookup
 * (OPTIONS), Builds - List with definitions, branchName, statusFilter, resultFilter (flags, by name
 * or number), queryOrder and $top, and Timeline - Get. Ordered by queue time unless queryOrder asks
 * otherwise, as the service does; 401 without the one token it accepts.
 */
export class FakeBuildsApi {
  readonly builds: FakeBuild[] = [];
  private constructor(
    readonly server: FakeServer,
    readonly organization: string,
    readonly project: string,
    readonly token: string,
  ) {}

  static async start(options: { organization?: string; project?: string; token?: string } = {}): Promise<FakeBuildsApi> {
    const server = await FakeServer.start((request) => fake.route(request));
    const fake: FakeBuildsApi = new FakeBuildsApi(server, options.organization ?? 'contoso', options.project ?? 'shipyard', options.token ?? 'job-token');
    return fake;
  }

  get collectionUrl(): string {
    return `${this.server.baseUrl}${this.organization}/`;
  }

  /** The Builds - List requests' query strings. */
  get listQueries(): URLSearchParams[] {
    return this.server.calls.filter((request) => request.segments.at(-1) === 'builds').map((request) => request.query);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private route(request: FakeRequest): FakeResponse | undefined {
    const locations = locationsRoute([this.organization], request);
    if (locations) return locations;
    if (tokenOf(request.headers.authorization) !== this.token) return unauthorized;
    const [organization, project, apis, area, builds, id, timeline] = request.segments;
    if (organization !== this.organization || project !== this.project || apis !== '_apis' || area !== 'build' || builds !== 'builds') return undefined;
    if (!request.apiVersion) return azdoError(400, 'No api-version was supplied.', 'VssVersionNotSpecifiedException');
    if (id === undefined) return { status: 200, body: this.list(request.query) };
    const build = this.builds.find((candidate) => String(candidate.id) === id);
    if (!build || timeline !== 'Timeline') return azdoError(404, `Build ${id} not found`);
    return {
      status: 200,
      body: { id: 'timeline', records: Object.entries(build.stages).map(([identifier, result]) => ({ type: 'Stage', identifier, name: identifier, state: 'completed', result })) },
    };
  }

  private list(query: URLSearchParams): { count: number; value: unknown[] } {
    const bits = (query.get('resultFilter') ?? '')
      .split(',')
      .filter(Boolean)
      .reduce((sum, part) => sum | (/^\d+$/.test(part) ? Number(part) : (resultBits[part as FakeBuild['result']] ?? 0)), 0);
    const order = (query.get('queryOrder') ?? '').toLowerCase();
    const byFinish = order === 'finishtimedescending' || order === '3';
    const selected = this.builds
      .filter((build) => bits === 0 || (resultBits[build.result] & bits) !== 0)
      .sort((a, b) => (byFinish ? b.finishTime.localeCompare(a.finishTime) : a.queueTime.localeCompare(b.queueTime)))
      .slice(0, Number(query.get('$top') ?? 1000));
    const value = selected.map(({ stages: _stages, ...build }) => ({ ...build, status: 'completed', definition: { id: Number(query.get('definitions')) } }));
    return { count: value.length, value };
  }
}

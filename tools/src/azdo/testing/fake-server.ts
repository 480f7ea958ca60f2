import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a fake saw it. */
export interface FakeRequest {
  method: string;
  /** Decoded path segments, e.g. ['contoso', 'Ship Yard', '_apis', 'distributedtask', 'environments']. */
  segments: string[];
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, or undefined. */
  body: unknown;
  /** api-version from the query string or, as azure-devops-node-api sends it, from the Accept header. */
  apiVersion: string | undefined;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Fault {
  match: (request: FakeRequest) => boolean;
  response: FakeResponse;
  /** How many matching requests get this answer. */
  times: number;
}

export type Route = (request: FakeRequest) => FakeResponse | undefined;

/** The error body Azure DevOps sends with 4xx answers. */
export function azdoError(status: number, message: string, typeKey = 'VssServiceException'): FakeResponse {
  return { status, body: { $id: '1', innerException: null, message, typeName: `Microsoft.VisualStudio.Services.WebApi.${typeKey}, Microsoft.VisualStudio.Services.WebApi`, typeKey, errorCode: 0, eventId: 3000 } };
}

/** The error body Azure Resource Manager sends. */
export function armError(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}

/** Throttled the way Azure DevOps and ARM throttle: 429 with Retry-After (seconds). */
export function throttled(seconds = 1): FakeResponse {
  return { status: 429, headers: { 'retry-after': String(seconds) }, body: { message: 'Request was blocked due to exceeding usage of resource in namespace.' } };
}

const apiVersionOf = (query: URLSearchParams, accept: string | undefined) => query.get('api-version') ?? /api-version=([^;,\s]+)/.exec(accept ?? '')?.[1];

/**
 * A loopback HTTP server that records every request, answers queued faults first (401, 403,
 * 409, 429 with Retry-After…), then its routes, and 404 for anything else. Each API's fake
 * (Azure DevOps pipelines, Boards, ARM) is a set of routes on one of these.
 */
export class FakeServer {
  readonly requests: FakeRequest[] = [];
  /** Runs before each request is answered: lets a test change state "concurrently". */
  beforeAnswer?: (request: FakeRequest) => void;
  private readonly faults: Fault[] = [];
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(route: Route): Promise<FakeServer> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => fake.handle(req, Buffer.concat(chunks).toString('utf8'), res, route));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake: FakeServer = new FakeServer(server, `http://127.0.0.1:${port}/`);
    return fake;
  }

  /** The next `times` requests that match get `response` instead of the route's answer. */
  failNext(match: (request: FakeRequest) => boolean, response: FakeResponse, times = 1): void {
    this.faults.push({ match, response, times });
  }

  private handle(req: IncomingMessage, text: string, res: ServerResponse, route: Route): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: unknown;
    let invalidJson = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        invalidJson = true;
      }
    }
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      segments: url.pathname.split('/').filter(Boolean).map(decodeURIComponent),
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      apiVersion: apiVersionOf(url.searchParams, req.headers.accept),
    };
    this.requests.push(request);
    this.beforeAnswer?.(request);
    let response: FakeResponse | undefined;
    const fault = this.faults.find((candidate) => candidate.times > 0 && candidate.match(request));
    if (fault) {
      fault.times--;
      response = fault.response;
    } else if (invalidJson) {
      response = { status: 400, body: { message: 'The request body is not valid JSON.' } };
    } else {
      try {
        response = route(request) ?? { status: 404, body: { message: `no route for ${request.method} ${request.path}` } };
      } catch (error) {
        response = { status: 500, body: { message: `fake failed: ${(error as Error).message}` } };
      }
    }
    const payload = response.body === undefined ? '' : JSON.stringify(response.body);
    res.writeHead(response.status, { ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...response.headers });
    res.end(payload);
  }

  /** Requests other than the OPTIONS location lookups azure-devops-node-api makes. */
  get calls(): FakeRequest[] {
    return this.requests.filter((request) => request.method !== 'OPTIONS');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Checks an Authorization header against the one token the fake accepts: Bearer <token>, or Basic with the token as password (a PAT). */
export function tokenOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer (.+)$/.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic (.+)$/.exec(header);
  if (basic) return Buffer.from(basic[1], 'base64').toString('utf8').split(':').slice(1).join(':');
  return undefined;
}

/** Azure DevOps' answer to a missing or unknown token. */
export const unauthorized: FakeResponse = { status: 401, headers: { 'www-authenticate': 'Bearer authorization_uri=https://login.microsoftonline.com/common' } };

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import type { PublicRoute } from '@shipyard/contracts';
import { HttpProblem, problems } from '@shipyard/service-kit';

/**
 * The backend-for-frontend proxy: the browser talks to one origin, the storefront forwards
 * `/api/<upstream>/<path>` to `<base url>/<path>` and streams the answer back unchanged.
 * Only the upstream's public routes (from @shipyard/contracts) are forwarded. The request body
 * is streamed through untouched (never parsed and re-serialised), so its bytes and charset reach
 * the upstream as sent. An upstream that is down or slow turns into a 502/504 problem+json
 * within timeoutMs; a client that is too slow sending its body gets a 408.
 */

export interface Upstream {
  /** Short name used in logs and problem details, e.g. 'catalog'. */
  name: string;
  /** e.g. http://catalog-api:8080 — a path prefix is kept (http://gateway/catalog/…). */
  baseUrl: URL;
}

export interface ProxyOptions {
  dispatcher: Dispatcher;
  /** The upstream's public routes; anything else is answered 404 (or 405) by the BFF itself. */
  routes: readonly PublicRoute[];
  /** Longest time one upstream exchange (connect, headers and body) may take. */
  timeoutMs: number;
}

/** Request headers the upstreams need; cookies and credentials of the browser stay at the BFF. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  // The body is passed on byte for byte, so its encoding label must travel with it.
  'content-encoding',
  'if-none-match',
  'if-modified-since',
  'traceparent',
  'tracestate',
  'baggage',
];

/** Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and must not be passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** One connection pool for all upstreams, with every phase bounded by the timeout. */
export function createUpstreamAgent(timeoutMs: number): Agent {
  return new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}

/**
 * Maps the path below the mount point (`/products?limit=5`) onto the upstream. Dot segments are
 * refused rather than resolved, so a request can never climb out of the upstream's base path.
 */
export function upstreamUrl(baseUrl: URL, pathAndQuery: string): URL {
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  const queryStart = pathAndQuery.indexOf('?');
  const path = queryStart === -1 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
  const query = queryStart === -1 ? '' : pathAndQuery.slice(queryStart);
  const segments = path.split('/').map((segment) => safeDecode(segment).toLowerCase());
  if (segments.some((segment) => segment === '.' || segment === '..') || path.includes('\\')) {
    throw problems.badRequest('The path must not contain "." or ".." segments or backslashes.');
  }
  return new URL(`${baseUrl.origin}${basePath}${path.startsWith('/') ? path : `/${path}`}${query}`);
}

interface RouteMatcher {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/products/:id` → /^\/products\/[^/]+$/; a parameter is one non-empty segment. */
function routeMatchers(routes: readonly PublicRoute[]): RouteMatcher[] {
  const byPath = new Map<string, Set<string>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    // HEAD is GET without a body; Express answers it from the GET route.
    if (route.method === 'GET') methods.add('HEAD');
    byPath.set(route.path, methods);
  }
  return [...byPath].map(([path, methods]) => {
    const source = path
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('\\/');
    return { pattern: new RegExp(`^${source}$`), methods };
  });
}

/** Throws the 404/405 problem unless method and path name one of the public routes. */
function checkPublicRoute(matchers: RouteMatcher[], upstream: string, method: string, path: string): void {
  const matched = matchers.find((matcher) => matcher.pattern.test(path));
  if (!matched) throw problems.notFound(`The ${upstream} service has no public route with this path.`);
  if (!matched.methods.has(method)) {
    const allow = [...matched.methods].join(', ');
    throw new HttpProblem(405, { detail: `Use ${allow} for this route.`, headers: { Allow: allow } });
  }
}

export function createBffProxy(upstream: Upstream, options: ProxyOptions): RequestHandler {
  const matchers = routeMatchers(options.routes);
  return async (req: Request, res: Response, _next: NextFunction) => {
    const target = upstreamUrl(upstream.baseUrl, req.url);
    checkPublicRoute(matchers, upstream.name, req.method, req.path);
    const log = requestLogger(req);

    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort();
    });
    const deadline = AbortSignal.timeout(options.timeoutMs);

    const body = requestBody(req);
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(target, {
        dispatcher: options.dispatcher,
        method: req.method as Dispatcher.HttpMethod,
        headers: forwardedRequestHeaders(req),
        body,
        signal: AbortSignal.any([deadline, clientGone.signal]),
      });
    } catch (error) {
      if (clientGone.signal.aborted) return;
      const timedOut = deadline.aborted || TIMEOUT_CODES.has(errorCode(error));
      if (timedOut && body !== undefined && !req.readableEnded) {
        // The client had not finished sending its body: the delay is the client's, not the upstream's.
        throw new HttpProblem(408, { detail: `The request body did not arrive within ${options.timeoutMs} ms.`, headers: { Connection: 'close' } });
      }
      log.warn({ upstream: upstream.name, target: target.href, err: error }, 'upstream request failed');
      throw upstreamProblem(upstream.name, timedOut, options.timeoutMs);
    }

    res.status(answer.statusCode);
    for (const [name, value] of Object.entries(answer.headers)) {
      // The BFF's own headers (security headers, x-request-id) win over the upstream's.
      if (value === undefined || HOP_BY_HOP.has(name) || res.hasHeader(name)) continue;
      res.setHeader(name, value);
    }
    try {
      await pipeline(answer.body, res);
    } catch (error) {
      // The status line is already out, so no problem document can follow: cut the response.
      if (!clientGone.signal.aborted) {
        log.warn({ upstream: upstream.name, target: target.href, err: error }, 'upstream response broke off');
      }
      res.destroy();
    }
  };
}

/** Readiness: throws unless `<base>/healthz/ready` answers 200. */
export async function checkUpstreamReady(upstream: Upstream, dispatcher: Dispatcher, timeoutMs: number): Promise<void> {
  const { statusCode, body } = await request(upstreamUrl(upstream.baseUrl, '/healthz/ready'), {
    dispatcher,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await body.dump();
  if (statusCode !== 200) throw new Error(`${upstream.name} is not ready (healthz/ready answered ${statusCode})`);
}

function upstreamProblem(name: string, timedOut: boolean, timeoutMs: number): HttpProblem {
  return timedOut
    ? new HttpProblem(504, { title: 'Gateway Timeout', detail: `The ${name} service did not answer within ${timeoutMs} ms.` })
    : new HttpProblem(502, { title: 'Bad Gateway', detail: `The ${name} service could not be reached.` });
}

function forwardedRequestHeaders(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  // Same id upstream, so one request can be followed through every service's logs.
  const requestId = req.id ?? req.headers['x-request-id'];
  if (requestId !== undefined) headers['x-request-id'] = String(requestId);
  // Behind an ingress the chain already holds the browser's address: extend it, keep the rest.
  const forwardedFor = req.headers['x-forwarded-for'];
  const peer = req.socket.remoteAddress ?? 'unknown';
  headers['x-forwarded-for'] = typeof forwardedFor === 'string' ? `${forwardedFor}, ${peer}` : peer;
  // The BFF's own view: Express reads X-Forwarded-Proto/-Host only from peers its `trust proxy`
  // setting trusts, so a client cannot choose what the upstream sees.
  headers['x-forwarded-proto'] = req.protocol;
  if (req.host !== undefined) headers['x-forwarded-host'] = req.host;
  return headers;
}

/** The untouched request stream, if there is a body. A body read before the proxy is a wiring mistake. */
function requestBody(req: Request): Request | undefined {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return undefined;
  if (req.readableDidRead) throw new Error('the request body was read before the BFF proxy: mount it before any body parser');
  return req;
}

function requestLogger(req: Request): Pick<Logger, 'warn'> {
  return (req as Request & { log?: Logger }).log ?? { warn: () => undefined };
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

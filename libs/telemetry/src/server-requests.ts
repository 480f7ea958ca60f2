import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorMonitor } from 'node:events';
import parseForwarded from 'forwarded-parse';
import { context, propagation, ROOT_CONTEXT, type Context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { InstrumentationBase, type InstrumentationConfig, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

export interface ServerRequestConfig extends InstrumentationConfig {
  /** Requests not traced at all (health probes); their outgoing calls are not traced either. */
  ignore?: (request: IncomingMessage) => boolean;
}

/** EventEmitter's emit, as the server's prototype has it (Server's own typing lists every event's overload). */
type Emit = (this: Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Incoming requests of http and https servers as SERVER spans, with the attributes of
 * OpenTelemetry's HttpInstrumentation (stable HTTP semantic conventions), so that the exporter
 * makes the same RequestData of them. What differs is when the work happens: the sampler decides
 * first, and only a request it keeps gets its attributes read and its span ended. A request it
 * drops costs what its context costs — the caller's traceparent extracted, a non-recording span
 * made current for everything the request does, so callees and log lines still carry the trace —
 * and nothing else. The request's and response's events run in that context (their listeners —
 * body parsing, 'finish' — are added outside any context the request could carry).
 */
export class ServerRequestInstrumentation extends InstrumentationBase<ServerRequestConfig> {
  constructor(config: ServerRequestConfig = {}) {
    super('@shipyard/telemetry/server-requests', '0.1.0', config);
  }

  protected init() {
    return (['http', 'https'] as const).map(
      (scheme) =>
        new InstrumentationNodeModuleDefinition(
          scheme,
          ['*'],
          (exports: typeof import('node:http')) => {
            this._wrap(exports.Server.prototype, 'emit', ((original: Emit) => this.incomingRequest(original, scheme)) as never);
            if (scheme === 'http') {
              this._wrap(exports.IncomingMessage.prototype, 'emit', contextualEmit as never);
              this._wrap(exports.ServerResponse.prototype, 'emit', contextualEmit as never);
            }
            return exports;
          },
          (exports: typeof import('node:http')) => {
            this._unwrap(exports.Server.prototype, 'emit');
            if (scheme === 'http') {
              this._unwrap(exports.IncomingMessage.prototype, 'emit');
              this._unwrap(exports.ServerResponse.prototype, 'emit');
            }
          },
        ),
    );
  }

  private incomingRequest(original: Emit, scheme: 'http' | 'https'): Emit {
    const ignore = (request: IncomingMessage) => this.getConfig().ignore?.(request) === true;
    // Read on each request: the tracer changes when a tracer provider is set after enabling.
    const tracer = () => this.tracer;
    return function emit(this: Server, event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'request') return original.apply(this, [event, ...args]);
      const request = args[0] as IncomingMessage;
      const response = args[1] as ServerResponse;
      if (ignore(request)) {
        return runIn(suppressTracing(context.active()), request, response, () => original.apply(this, [event, ...args]));
      }
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const span = tracer().startSpan(request.method || 'GET', { kind: SpanKind.SERVER }, parent);
      if (span.isRecording()) recordRequest(span, request, response, scheme);
      return runIn(trace.setSpan(parent, span), request, response, () => {
        try {
          return original.apply(this, [event, ...args]);
        } catch (error) {
          if (span.isRecording()) endWithError(span, error);
          throw error;
        }
      });
    } as Emit;
  }
}

/** The context each request's and response's events run in (a WeakMap: no property is added to them). */
const eventContexts = new WeakMap<object, Context>();

/** Runs the request in `ctx`, and every later event of the request and the response too. */
function runIn(ctx: Context, request: IncomingMessage, response: ServerResponse, handle: () => boolean): boolean {
  eventContexts.set(request, ctx);
  eventContexts.set(response, ctx);
  return context.with(ctx, handle);
}

/**
 * emit of IncomingMessage and ServerResponse: an event of a traced request runs in the request's
 * context. Most are emitted in it already (anything the handler did or scheduled); those from the
 * socket ('data', 'end', 'close') are not, so the context is switched only when it differs.
 */
function contextualEmit(original: (this: unknown, ...args: unknown[]) => boolean) {
  return function emit(this: object, ...args: unknown[]): boolean {
    const ctx = eventContexts.get(this);
    return ctx === undefined || context.active() === ctx ? original.apply(this, args) : context.with(ctx, original, this, ...args);
  };
}

const knownMethods = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);

/** The request attributes HttpInstrumentation sets, and the end of the span when the response closes. */
function recordRequest(span: Span, request: IncomingMessage, response: ServerResponse, scheme: 'http' | 'https'): void {
  const method = request.method ?? 'GET';
  const normalized = knownMethods.has(method.toUpperCase()) ? method.toUpperCase() : '_OTHER';
  const url = parseUrl(request.url ?? '/', scheme, request.headers.host);
  const server = serverAddress(request, scheme);
  const client = clientAddress(request);
  span.setAttributes({
    [ATTR_HTTP_REQUEST_METHOD]: normalized,
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_SERVER_ADDRESS]: server?.host,
    [ATTR_NETWORK_PEER_ADDRESS]: request.socket.remoteAddress,
    [ATTR_NETWORK_PEER_PORT]: request.socket.remotePort,
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
    [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'],
    ...(url?.pathname != null ? { [ATTR_URL_PATH]: url.pathname } : {}),
    ...(url?.search ? { [ATTR_URL_QUERY]: url.search.slice(1) } : {}),
    ...(client ? { [ATTR_CLIENT_ADDRESS]: client } : {}),
    ...(server?.port ? { [ATTR_SERVER_PORT]: Number(server.port) } : {}),
    ...(method !== normalized ? { [ATTR_HTTP_REQUEST_METHOD_ORIGINAL]: method } : {}),
  });
  let failed = false;
  response.on('close', () => {
    if (failed) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
    // A server's span fails on 5xx only: a 4xx is the client's error (the semantic conventions' rule).
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  response.on(errorMonitor, (error: unknown) => {
    failed = true;
    endWithError(span, error);
  });
}

function endWithError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  span.end();
}

function parseUrl(path: string, scheme: string, host: string | undefined): { pathname: string; search: string } | undefined {
  try {
    const url = new URL(path, `${scheme}://${host ?? 'localhost'}`);
    return { pathname: url.pathname, search: url.search };
  } catch {
    return undefined;
  }
}

type ForwardedEntry = { for?: string; host?: string; proto?: string };

function forwardedEntries(request: IncomingMessage): ForwardedEntry[] {
  const header = request.headers.forwarded;
  if (!header) return [];
  try {
    return parseForwarded(header) as ForwardedEntry[];
  } catch {
    return [];
  }
}

const firstOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * server.address and server.port as the HTTP semantic conventions set them (and HttpInstrumentation
 * does): the first Forwarded host, else X-Forwarded-Host (with X-Forwarded-Proto's default port),
 * else the Host header. Behind AKS's app routing the ingress sets the forwarded headers.
 */
function serverAddress(request: IncomingMessage, scheme: string): { host: string; port?: string } | undefined {
  const forwarded = forwardedEntries(request).find((entry) => entry.host);
  if (forwarded?.host) return parseHostHeader(forwarded.host, forwarded.proto);
  const forwardedHost = firstOf(request.headers['x-forwarded-host']);
  if (forwardedHost) return parseHostHeader(forwardedHost, firstOf(request.headers['x-forwarded-proto']));
  const host = request.headers.host;
  return host ? parseHostHeader(host, scheme) : undefined;
}

function parseHostHeader(header: string, proto?: string): { host: string; port?: string } {
  const parts = header.split(':');
  const defaultPort = proto === 'http' ? '80' : proto === 'https' ? '443' : undefined;
  if (parts.length === 1) return defaultPort ? { host: parts[0], port: defaultPort } : { host: parts[0] };
  if (parts.length === 2) return { host: parts[0], port: parts[1] };
  if (parts[0].startsWith('[')) {
    if (parts[parts.length - 1].endsWith(']')) {
      if (defaultPort) return { host: header, port: defaultPort };
    } else if (parts[parts.length - 2].endsWith(']')) {
      return { host: parts.slice(0, -1).join(':'), port: parts[parts.length - 1] };
    }
  }
  return { host: header };
}

/** client.address: the first Forwarded "for", else the first X-Forwarded-For address (port removed), else the socket's peer. */
function clientAddress(request: IncomingMessage): string | undefined {
  const forwarded = forwardedEntries(request).find((entry) => entry.for);
  if (forwarded?.for) return withoutPort(forwarded.for);
  const forwardedFor = firstOf(request.headers['x-forwarded-for']);
  if (forwardedFor) return withoutPort(forwardedFor.split(',')[0].trim());
  return request.socket.remoteAddress ?? undefined;
}

function withoutPort(address: string): string {
  try {
    const { hostname } = new URL(`http://${address}`);
    return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  } catch {
    return address;
  }
}

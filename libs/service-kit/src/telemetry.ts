import { isSpanContextValid, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import express, { type Request, type RequestHandler } from 'express';

/**
 * The service runtime's side of telemetry, written against the OpenTelemetry API only: it does
 * nothing until @shipyard/telemetry's preload has started the SDK, so the runtime never depends
 * on whether (or how) telemetry is exported.
 */

const serverSpans = new WeakMap<Request, Span>();

const matchedTemplates = new WeakMap<Request, string>();

/**
 * The route template that matched (`/products/:id`), including the mount path of a router or of
 * a middleware mounted with app.use (`/api/catalog/*path`); undefined when nothing matched (404s).
 * Express restores `req.baseUrl` when an error leaves a router or mount, so the template is
 * recorded as routing happens (see trackRouteTemplate), not read afterwards.
 */
export function routeTemplate(req: Request): string | undefined {
  return matchedTemplates.get(req);
}

/**
 * Watches Express assign `req.route` (a route matched: mount path + route path) and
 * `req.baseUrl` (entered a mounted router or middleware: used when no route matches below it).
 */
export function trackRouteTemplate(req: Request): void {
  let route: unknown = req.route;
  let baseUrl: string = req.baseUrl;
  let routeMatched = false;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path?: unknown } | undefined) => {
      route = value;
      const path = routePath(value?.path, req.path);
      if (path !== undefined) {
        routeMatched = true;
        matchedTemplates.set(req, `${baseUrl ?? ''}${path}` || '/');
      }
    },
  });
  Object.defineProperty(req, 'baseUrl', {
    configurable: true,
    enumerable: true,
    get: () => baseUrl,
    set: (value: string) => {
      baseUrl = value;
      if (value && !routeMatched) matchedTemplates.set(req, `${value}/*path`);
    },
  });
}

/** A route declared with several paths (`app.get(['/', '/index.html'])`) is named by the one requested. */
function routePath(path: unknown, requested: string): string | undefined {
  if (typeof path === 'string') return path;
  if (!Array.isArray(path)) return undefined;
  const literals = path.filter((p): p is string => typeof p === 'string');
  return literals.find((p) => p === requested) ?? literals[0];
}

const staticRequests = new WeakSet<Request>();

/**
 * express.static whose hits are named `GET /static/*` in telemetry: one name for every file, so
 * the portal's request list is not split into one row per asset.
 */
export function staticFiles(root: string, options?: Parameters<typeof express.static>[1]): RequestHandler {
  const serve = express.static(root, options);
  return (req, res, next) => {
    staticRequests.add(req);
    serve(req, res, (err?: unknown) => {
      // Not a file here (or an error): whatever handles it next names it.
      staticRequests.delete(req);
      next(err);
    });
  };
}

/**
 * The name of a request in telemetry: the route template that matched, or for requests no route
 * matched a path class — `/` (a root that no route declares), `/static/*` (served by staticFiles)
 * or `(unmatched)` (404s and errors before routing) — so unmatched paths never become names.
 */
export function requestPathClass(req: Request): string {
  const template = routeTemplate(req);
  if (template) return template;
  if (staticRequests.has(req)) return '/static/*';
  return (req.originalUrl ?? req.url ?? '').split('?')[0] === '/' ? '/' : '(unmatched)';
}

/**
 * Names the request telemetry after the matched route (`GET /products/:id`): the SDK has no
 * Express instrumentation, so without this every request would be called `GET`. Mounted first,
 * so it captures the server span the http instrumentation made active for this request.
 */
export const nameServerSpanFromRoute: RequestHandler = (req, res, next) => {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) {
    serverSpans.set(req, span);
    trackRouteTemplate(req);
    // 'finish' comes before the instrumentation ends the span on 'close'.
    res.once('finish', () => {
      const template = routeTemplate(req);
      // http.route is only ever a template the app declared; path classes only name the request.
      if (template) span.setAttribute('http.route', template);
      span.updateName(`${req.method} ${requestPathClass(req)}`);
    });
  }
  next();
};

/** Marks the request failed and attaches the error (ExceptionData on the request's operation). */
export function recordServerError(req: Request, err: unknown): void {
  const span = serverSpans.get(req) ?? trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** pino mixin: every log line written while a span is active carries its trace and span ids. */
export function traceLogFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId, trace_flags: `0${context.traceFlags.toString(16)}` };
}

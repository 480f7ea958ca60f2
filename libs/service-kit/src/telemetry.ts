import { isSpanContextValid, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';

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
      if (typeof value?.path === 'string') {
        routeMatched = true;
        matchedTemplates.set(req, `${baseUrl ?? ''}${value.path}` || '/');
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
      if (!template) return;
      span.setAttribute('http.route', template);
      span.updateName(`${req.method} ${template}`);
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

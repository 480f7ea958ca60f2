import express, { type Express } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { pinoHttp } from 'pino-http';
import type { BaseConfig } from './config';
import type { ServiceContext } from './context';
import { healthRegistryOf } from './context';
import { errorHandler, notFoundHandler, sendProblem } from './error-handler';
import { HttpProblem } from './problems';
import { healthRouter, livenessPath, readinessPath } from './health';
import { requestIdHeader, resolveRequestId } from './request-id';
import { nameServerSpanFromRoute, staticFiles } from './telemetry';

export interface AppOptions {
  /** express.json limit, e.g. '100kb' (default) or '1mb'. */
  bodyLimit?: string;
  /** false: no JSON body parsing (a proxy streams bodies through untouched). Default true. */
  parseJson?: boolean;
  /** Folder of static files served before the service's routes. */
  staticDir?: string;
  /** Passed to helmet (defaults are right for JSON APIs; a page-serving app may tune its CSP here). */
  helmet?: HelmetOptions;
}

const probePaths = new Set([livenessPath, readinessPath]);

/**
 * The app on HEALTH_PORT: the health endpoints only, problem+json for anything else. No request
 * logging (the kubelet probes every few seconds; a failing readiness check logs itself).
 */
export function createHealthApp(ctx: ServiceContext<BaseConfig>): Express {
  const app = express();
  app.disable('x-powered-by');
  // A failing readiness check logs through req.log, as on the public app.
  app.use((req, _res, next) => {
    req.log = ctx.logger;
    next();
  });
  app.use(healthRouter(healthRegistryOf(ctx)));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

/**
 * The Express app every service uses: helmet, request id, request logging, JSON body parsing,
 * health endpoints (unless HEALTH_PORT gives them their own listener), then the service's routes, then 404 and problem+json error handling.
 */
export function createApp(ctx: ServiceContext<BaseConfig>, routes: (app: Express) => void, opts: AppOptions = {}): Express {
  const health = healthRegistryOf(ctx);
  const app = express();
  app.disable('x-powered-by');
  app.use(nameServerSpanFromRoute);
  app.use(helmet(opts.helmet));
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const id = resolveRequestId(req.headers);
        res.setHeader(requestIdHeader, id);
        return id;
      },
      // Probes arrive every few seconds from the kubelet; a failing readiness check logs itself.
      autoLogging: { ignore: (req) => probePaths.has(req.url?.split('?')[0] ?? '') },
      // One compact line per request; headers stay out of the logs (noise, and they carry credentials).
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  // HTTP/1.1 requires a Host header (RFC 9112 §3.2); Node's own refusal would have no problem body.
  app.use((req, res, next) => {
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      sendProblem(req, res, new HttpProblem(400, { detail: 'The request has no Host header.' }));
      return;
    }
    next();
  });
  // With a health port the probes have their own listener (createHealthApp): the public one has no /healthz.
  if (ctx.config.HEALTH_PORT === undefined) app.use(healthRouter(health));
  if (opts.parseJson !== false) app.use(express.json({ limit: opts.bodyLimit ?? '100kb' }));
  if (opts.staticDir !== undefined) app.use(staticFiles(opts.staticDir));
  routes(app);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

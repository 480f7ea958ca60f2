import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { HttpProblem, problemContentType } from './problems';
import { recordServerError } from './telemetry';

/** Fixed wording for body-parser's errors, so no parser message (which may quote the body) is echoed. */
function bodyParserProblem(type: string, err: { limit?: unknown }): HttpProblem | undefined {
  switch (type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, { detail: 'The request body is not valid JSON.' });
    case 'entity.too.large':
      return new HttpProblem(413, {
        detail:
          typeof err.limit === 'number'
            ? `The request body exceeds the limit of ${err.limit} bytes.`
            : 'The request body is too large.',
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, { detail: 'The request body encoding or charset is not supported.' });
    case 'request.aborted':
      return new HttpProblem(400, { detail: 'The request was aborted while its body was being read.' });
    case 'request.size.invalid':
      return new HttpProblem(400, { detail: 'The request body size does not match its Content-Length.' });
    default:
      return undefined;
  }
}

const internalError = () => new HttpProblem(500, { detail: 'An unexpected error occurred. Quote the requestId when reporting it.' });

const clientErrorDetail = 'The request could not be processed as sent.';

/**
 * Maps anything thrown by a route or middleware to the problem the client sees. Only
 * HttpProblem and client errors marked `expose` (http-errors, used by body-parser) keep their
 * text. Other errors carrying a 4xx status (Express's URIError for a malformed percent-escape has
 * `status: 400` but no `expose`) keep their status with a fixed detail, since their message may
 * quote the request; everything else becomes a generic 500 whose cause stays in the logs.
 */
export function problemFromError(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (typeof err !== 'object' || err === null) return internalError();
  const candidate = err as { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown; limit?: unknown };
  if (typeof candidate.type === 'string') {
    const known = bodyParserProblem(candidate.type, candidate);
    if (known) return known;
  }
  const status = typeof candidate.status === 'number' ? candidate.status : candidate.statusCode;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
    const exposed = candidate.expose === true && typeof candidate.message === 'string';
    return new HttpProblem(status, { detail: exposed ? (candidate.message as string) : clientErrorDetail });
  }
  return internalError();
}

export function sendProblem(req: Request, res: Response, problem: HttpProblem): void {
  const requestId = typeof req.id === 'string' ? req.id : undefined;
  res.status(problem.status);
  res.set(problem.headers);
  res.type(problemContentType);
  res.send(JSON.stringify(problem.toDocument({ instance: req.originalUrl.split('?')[0], requestId })));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(req, res, new HttpProblem(404, { detail: `No route for ${req.method} ${req.path}.` }));
};

export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  const problem = problemFromError(err);
  // pino-http attaches `res.err` to its completion log line: the stack goes to the logs only.
  if (problem.status >= 500) {
    res.err = err instanceof Error ? err : new Error(`non-Error thrown: ${String(err)}`);
    recordServerError(req, res.err);
  }
  if (res.headersSent) {
    // Too late for a problem body; Express's final handler aborts the connection.
    next(err);
    return;
  }
  sendProblem(req, res, problem);
};

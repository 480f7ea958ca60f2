import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE, type FieldError, type ProblemDetails } from '@shipyard/contracts';
import type { z } from 'zod';

export type { FieldError };

/** RFC 9457 media type; every error answer of every service uses it. */
export const problemContentType = PROBLEM_CONTENT_TYPE;

export interface ProblemInit {
  title?: string;
  detail?: string;
  type?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/** The JSON body of a problem answer: the contracts' problem details. */
export type ProblemDocument = ProblemDetails;

const reservedMembers = new Set(['type', 'title', 'status', 'detail', 'instance', 'requestId', 'errors']);

/**
 * An error a route throws on purpose: the error handler answers with its status and its
 * text as given, so only put in it what the caller may see.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(status: number, init: ProblemInit = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpProblem status must be an integer 400-599, got ${status}`);
    }
    const title = init.title ?? STATUS_CODES[status] ?? 'Error';
    super(init.detail ?? title);
    this.name = 'HttpProblem';
    this.status = status;
    this.title = title;
    this.type = init.type ?? 'about:blank';
    this.detail = init.detail;
    this.errors = init.errors;
    this.headers = init.headers ?? {};
    this.extra = init.extra ?? {};
  }

  toDocument(context: { instance?: string; requestId?: string } = {}): ProblemDocument {
    const document: ProblemDocument = { type: this.type, title: this.title, status: this.status };
    if (this.detail !== undefined) document.detail = this.detail;
    if (context.instance !== undefined) document.instance = context.instance;
    if (context.requestId !== undefined) document.requestId = context.requestId;
    if (this.errors !== undefined) document.errors = this.errors;
    for (const [key, value] of Object.entries(this.extra)) {
      // Extensions may add members, never silently replace the standard ones.
      if (!reservedMembers.has(key)) document[key] = value;
    }
    return document;
  }
}

export const problems = {
  badRequest: (detail: string, errors?: FieldError[]) => new HttpProblem(400, { detail, errors }),
  notFound: (detail: string) => new HttpProblem(404, { detail }),
  unprocessable: (detail: string, errors?: FieldError[]) => new HttpProblem(422, { detail, errors }),
  serviceUnavailable: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(503, { detail, headers: { 'Retry-After': String(Math.max(0, Math.ceil(retryAfterSeconds))) } }),
};

/** ['items', 2, 'quantity'] → 'items[2].quantity'; an empty path names the whole input. */
export function formatIssuePath(path: readonly PropertyKey[], whole: string): string {
  let field = '';
  for (const segment of path) {
    if (typeof segment === 'number') field += `[${segment}]`;
    else field += field === '' ? String(segment) : `.${String(segment)}`;
  }
  return field === '' ? whole : field;
}

/** Parses `input` with `schema` or throws a 400 problem listing every invalid field. */
export function parseOrProblem<T extends z.ZodType>(
  schema: T,
  input: unknown,
  where: 'body' | 'query' | 'params' = 'body',
): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ field: formatIssuePath(issue.path, where), message: issue.message }));
  throw problems.badRequest(`The request ${where} is invalid.`, errors);
}

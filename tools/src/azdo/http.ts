/**
 * Retries and HTTP errors for every Azure call of azdo setup, annotate and workitems: bounded
 * retries on throttling (429 + Retry-After) and on passing gateway failures, around
 * azure-devops-node-api's clients (every Azure DevOps call) and requestJson (Azure Resource
 * Manager only), with failures that keep the status and the service's own message, so callers
 * can name the permission that is missing.
 */

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Longest wait between two tries, whatever Retry-After asks for. */
  maxWaitMs: number;
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, maxWaitMs: 60_000 };

/** An answer outside 2xx (after retries), or an answer that is not the JSON the API returns. */
export class HttpStatusError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    /** The service's own explanation (Azure DevOps `message`, ARM `error.message`), when it sent one. */
    readonly serviceMessage: string | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(`${method} ${url} answered ${status}${serviceMessage ? `: ${serviceMessage}` : ''}`);
    this.name = 'HttpStatusError';
  }
}

/** Parses Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const gatewayStatuses = new Set([502, 503, 504]);

/**
 * Whether an answer is worth another try: throttling always (the request was not processed),
 * gateway failures only for requests that are safe to repeat (a POST that timed out at the
 * gateway may have been carried out).
 */
export function isRetryable(status: number, idempotent: boolean): boolean {
  return status === 429 || (idempotent && gatewayStatuses.has(status));
}

interface StatusLike {
  status: number;
  retryAfterMs?: number;
}

/** Reads status and Retry-After from our own errors and from azure-devops-node-api's (statusCode, rateLimit). */
export function statusOf(error: unknown): StatusLike | undefined {
  if (error instanceof HttpStatusError) return { status: error.status, retryAfterMs: error.retryAfterMs };
  const candidate = error as { statusCode?: unknown; rateLimit?: { retryAfter?: unknown }; responseHeaders?: Record<string, unknown> } | null;
  if (typeof candidate?.statusCode !== 'number') return undefined;
  const seconds = candidate.rateLimit?.retryAfter;
  const header = candidate.responseHeaders?.['retry-after'];
  const retryAfterMs = typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : parseRetryAfter(typeof header === 'string' ? header : undefined);
  return { status: candidate.statusCode, retryAfterMs };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`, trying again on retryable answers up to the policy's bounds. */
export async function withRetry<T>(what: string, call: () => Promise<T>, options: { idempotent: boolean; policy?: RetryPolicy }): Promise<T> {
  const policy = options.policy ?? defaultRetryPolicy;
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if (!status || !isRetryable(status.status, options.idempotent) || attempt >= policy.attempts) throw error;
      const backoff = 1000 * 2 ** (attempt - 1);
      const wait = Math.min(status.retryAfterMs ?? backoff, policy.maxWaitMs);
      policy.log?.(`${what}: answered ${status.status}; trying again in ${Math.round(wait / 100) / 10}s (attempt ${attempt + 1} of ${policy.attempts})`);
      await sleep(wait);
    }
  }
}

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** The Authorization header value. */
  authorization: string;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  policy?: RetryPolicy;
}

function serviceMessageOf(text: string): string | undefined {
  try {
    const data = JSON.parse(text) as { message?: unknown; error?: { message?: unknown; code?: unknown } };
    if (typeof data?.message === 'string') return data.message;
    if (typeof data?.error?.message === 'string') return data.error.message;
  } catch {
    // not JSON: an HTML error page says nothing useful here
  }
  return undefined;
}

/**
 * One JSON request with retries. Azure DevOps answers an unusable token with 401, or with a
 * 203 or a redirect to a sign-in page: all three become a 401 HttpStatusError.
 */
export async function requestJson<T = unknown>(request: JsonRequest): Promise<T> {
  const idempotent = request.method !== 'POST';
  return withRetry(
    `${request.method} ${request.url}`,
    async () => {
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: {
            authorization: request.authorization,
            accept: 'application/json',
            ...(request.body === undefined ? {} : { 'content-type': request.contentType ?? 'application/json' }),
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          redirect: 'manual',
          signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        throw new Error(`${request.method} ${request.url} failed: ${cause ?? (error as Error).message}`);
      }
      const text = await response.text();
      if (response.status === 203 || (response.status >= 300 && response.status < 400)) {
        throw new HttpStatusError(request.method, request.url, 401, 'answered with a sign-in page instead of data (the token is not valid here)');
      }
      if (response.status >= 400) {
        throw new HttpStatusError(request.method, request.url, response.status, serviceMessageOf(text), parseRetryAfter(response.headers.get('retry-after')));
      }
      if (text.length === 0) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new HttpStatusError(request.method, request.url, response.status, 'answered with something that is not JSON');
      }
    },
    { idempotent, policy: request.policy },
  );
}

import { Agent, request, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { productSchema, type Product } from '@shipyard/contracts';
import { backoffDelayMs, defaultBackoff, defaultSleep, isIdempotent, type BackoffOptions } from './retry';

export interface CatalogClientOptions {
  /** e.g. http://catalog-api:8080 (a trailing slash is fine). */
  baseUrl: string;
  /** Bound on each attempt: connect, headers and body together. */
  timeoutMs: number;
  /** Extra attempts after the first, for idempotent requests only. */
  retries: number;
  backoff?: BackoffOptions;
  /** Bound on the readiness probe of the catalog (default min(timeoutMs, 1000)). */
  readinessTimeoutMs?: number;
  logger?: Logger;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CatalogResponse {
  status: number;
  body: string;
  /** How many requests were sent to get this answer. */
  attempts: number;
}

/** The catalog did not answer usefully after every allowed attempt: retrying later may help. */
export class CatalogUnavailableError extends Error {
  override readonly name = 'CatalogUnavailableError';
  constructor(
    message: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The catalog answered something this client does not understand: a bug on one side, not an outage. */
export class CatalogProtocolError extends Error {
  override readonly name = 'CatalogProtocolError';
}

export interface RequestContext {
  /** Forwarded as x-request-id so the catalog's log lines join this request's. */
  requestId?: string;
}

/**
 * Why an attempt failed, in words for the logs (no stack needed for a refused connection).
 * Duck-typed: undici's errors and the timeout DOMException need not share this realm's Error.
 */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs}ms`;
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** HTTP client for catalog-api with per-attempt timeouts and bounded, jittered retries. */
export class CatalogClient {
  private readonly baseUrl: string;
  private readonly agent: Dispatcher;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: CatalogClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.agent = new Agent({ keepAliveTimeout: 4_000, connections: 32 });
    this.backoff = options.backoff ?? defaultBackoff;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** The product, or undefined when the catalog says it does not exist (404). */
  async getProduct(id: string, context: RequestContext = {}): Promise<Product | undefined> {
    const response = await this.send('GET', `/products/${encodeURIComponent(id)}`, context);
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      throw new CatalogProtocolError(`GET /products/${id} answered ${response.status}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      throw new CatalogProtocolError(`GET /products/${id} answered a body that is not JSON`);
    }
    const parsed = productSchema.safeParse(json);
    if (!parsed.success || parsed.data.id !== id) {
      throw new CatalogProtocolError(`GET /products/${id} answered a body that is not the requested product`);
    }
    return parsed.data;
  }

  /** Resolves when the catalog reports itself ready; one short attempt, no retries (probes repeat anyway). */
  async checkReady(): Promise<void> {
    const timeoutMs = this.options.readinessTimeoutMs ?? Math.min(this.options.timeoutMs, 1000);
    let status: number;
    try {
      status = (await this.attempt('GET', '/healthz/ready', timeoutMs, {})).status;
    } catch (error) {
      throw new CatalogUnavailableError(`catalog readiness: ${describeFailure(error, timeoutMs)}`, 1, { cause: error });
    }
    if (status !== 200) throw new CatalogUnavailableError(`catalog readiness answered ${status}`, 1);
  }

  /**
   * Sends one request, retrying idempotent methods on network errors, timeouts and 5xx answers.
   * Resolves with any 1xx-4xx answer (4xx is the caller's to interpret, and is never retried);
   * throws CatalogUnavailableError when the last attempt failed or answered 5xx, or on 429.
   */
  async send(method: string, path: string, context: RequestContext = {}): Promise<CatalogResponse> {
    const maxAttempts = isIdempotent(method) ? 1 + this.options.retries : 1;
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      let cause: unknown;
      try {
        const response = await this.attempt(method, path, this.options.timeoutMs, context);
        if (response.status === 429) {
          throw new CatalogUnavailableError(`${method} ${path} answered 429 (catalog overloaded)`, attempt);
        }
        if (response.status < 500) return { ...response, attempts: attempt };
        failure = `answered ${response.status}`;
      } catch (error) {
        if (error instanceof CatalogUnavailableError) throw error;
        failure = describeFailure(error, this.options.timeoutMs);
        cause = error;
      }
      if (attempt >= maxAttempts) {
        throw new CatalogUnavailableError(`${method} ${path} failed after ${attempt} attempt(s): ${failure}`, attempt, { cause });
      }
      const delayMs = backoffDelayMs(attempt - 1, this.backoff, this.random);
      this.options.logger?.warn({ method, path, attempt, failure, delayMs }, 'catalog request failed; retrying');
      await this.sleep(delayMs);
    }
  }

  /** Closes pooled connections; in-flight requests finish first. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private async attempt(method: string, path: string, timeoutMs: number, context: RequestContext): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (context.requestId !== undefined) headers['x-request-id'] = context.requestId;
    // One signal covers connect, headers and body, so a catalog that stalls mid-body also times out.
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await request(`${this.baseUrl}${path}`, {
      method: method as Dispatcher.HttpMethod,
      headers,
      signal,
      dispatcher: this.agent,
    });
    const body = await response.body.text();
    return { status: response.statusCode, body };
  }
}

import { Router, type Request, type Response } from 'express';
import type { Lifecycle } from './lifecycle';
import { HttpProblem } from './problems';
import { sendProblem } from './error-handler';
import { TimeoutError, withTimeout } from './timeout';

export interface Health {
  /** `check` throws (or rejects) when not ready; each check is bounded by timeoutMs (default 1000). */
  addReadinessCheck(name: string, check: () => Promise<void> | void, opts?: { timeoutMs?: number }): void;
}

export const livenessPath = '/healthz/live';
export const readinessPath = '/healthz/ready';
export const defaultCheckTimeoutMs = 1000;

export interface CheckResult {
  status: 'pass' | 'fail';
  durationMs: number;
  /** Why a check failed; the error itself is logged, never sent (it may describe internals). */
  reason?: 'error' | 'timeout';
}

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: Record<string, CheckResult>;
  /** The errors of failed checks, for logging. */
  errors: Record<string, unknown>;
}

interface RegisteredCheck {
  check: () => Promise<void> | void;
  timeoutMs: number;
}

export class HealthRegistry implements Health {
  readonly #checks = new Map<string, RegisteredCheck>();

  constructor(private readonly lifecycle: Lifecycle) {}

  addReadinessCheck(name: string, check: () => Promise<void> | void, opts: { timeoutMs?: number } = {}): void {
    if (this.#checks.has(name)) throw new Error(`A readiness check named '${name}' is already registered`);
    const timeoutMs = opts.timeoutMs ?? defaultCheckTimeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`Readiness check '${name}': timeoutMs must be a positive integer, got ${timeoutMs}`);
    }
    this.#checks.set(name, { check, timeoutMs });
  }

  /** Runs all checks concurrently. While draining no check runs: the answer is "not ready" anyway. */
  async readiness(): Promise<ReadinessReport> {
    if (this.lifecycle.draining) return { ready: false, draining: true, checks: {}, errors: {} };
    const entries = await Promise.all(
      [...this.#checks].map(async ([name, { check, timeoutMs }]) => {
        const started = performance.now();
        try {
          await withTimeout(check, timeoutMs);
          return { name, result: { status: 'pass', durationMs: elapsedSince(started) } satisfies CheckResult };
        } catch (error) {
          const reason = error instanceof TimeoutError ? 'timeout' : 'error';
          return { name, error, result: { status: 'fail', reason, durationMs: elapsedSince(started) } satisfies CheckResult };
        }
      }),
    );
    const checks: Record<string, CheckResult> = {};
    const errors: Record<string, unknown> = {};
    for (const entry of entries) {
      checks[entry.name] = entry.result;
      if ('error' in entry) errors[entry.name] = entry.error;
    }
    return { ready: Object.keys(errors).length === 0, draining: false, checks, errors };
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}

/** GET /healthz/live and GET /healthz/ready. Probes are polled often, so answers are never cached. */
export function healthRouter(health: HealthRegistry): Router {
  const router = Router();
  router.get(livenessPath, (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ status: 'live' });
  });
  router.get(readinessPath, async (req: Request, res: Response) => {
    const report = await health.readiness();
    res.set('Cache-Control', 'no-store');
    if (report.ready) {
      res.json({ status: 'ready', checks: report.checks });
      return;
    }
    if (report.draining) {
      sendProblem(req, res, new HttpProblem(503, { detail: 'The service is shutting down.', extra: { checks: {} } }));
      return;
    }
    const failing = Object.keys(report.errors);
    const causes = Object.fromEntries(failing.map((name) => [name, describeError(report.errors[name])]));
    req.log.warn({ checks: report.checks, causes }, `not ready: ${failing.join(', ')}`);
    sendProblem(req, res, new HttpProblem(503, { detail: `Not ready: ${failing.join(', ')}.`, extra: { checks: report.checks } }));
  });
  return router;
}

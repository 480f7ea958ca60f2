import { setTimeout as sleep } from 'node:timers/promises';
import type { SmokeCheck, SmokeContext } from './checks';

export interface CheckResult {
  name: string;
  ok: boolean;
  attempts: number;
  detail: string;
}

export interface RetryPolicy {
  attempts: number;
  intervalMs: number;
}

async function withRetries(check: SmokeCheck, context: SmokeContext, policy: RetryPolicy, log: (line: string) => void): Promise<CheckResult> {
  let last = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt += 1) {
    try {
      const detail = await check.run(context);
      return { name: check.name, ok: true, attempts: attempt, detail };
    } catch (error) {
      last = error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : `${error.message}${error.cause ? ` (${(error.cause as Error).message ?? error.cause})` : ''}`) : String(error);
      if (attempt < policy.attempts) {
        log(`  … ${check.name}: attempt ${attempt}/${policy.attempts} failed (${last}); retrying in ${policy.intervalMs / 1000} s`);
        await sleep(policy.intervalMs);
      }
    }
  }
  return { name: check.name, ok: false, attempts: policy.attempts, detail: last };
}

/**
 * Runs the checks with bounded retries (a rollout that just finished may need a moment behind
 * the ingress): checks without prerequisites together, then the ones that need them; a check
 * whose prerequisite failed is reported as skipped, not run.
 */
export async function runSmoke(checks: SmokeCheck[], context: SmokeContext, policy: RetryPolicy, log: (line: string) => void): Promise<CheckResult[]> {
  const results = new Map<string, CheckResult>();
  const report = (result: CheckResult) => {
    results.set(result.name, result);
    log(`${result.ok ? '✓' : '✗'} ${result.name}: ${result.detail}${result.attempts > 1 ? ` (attempt ${result.attempts}/${policy.attempts})` : ''}`);
  };
  const independent = checks.filter((check) => !check.needs?.length);
  const dependent = checks.filter((check) => check.needs?.length);
  for (const result of await Promise.all(independent.map((check) => withRetries(check, context, policy, log)))) report(result);
  for (const check of dependent) {
    const failed = (check.needs ?? []).filter((name) => !results.get(name)?.ok);
    if (failed.length > 0) report({ name: check.name, ok: false, attempts: 0, detail: `skipped: needs ${failed.join(', ')}` });
    else report(await withRetries(check, context, policy, log));
  }
  return checks.map((check) => results.get(check.name) as CheckResult);
}

import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay is ever longer than this. */
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 100, maxMs: 1000 };

/**
 * Delay before retry number `retry` (0 = first retry): "full jitter", a random point below an
 * exponentially growing ceiling, so many checkout pods retrying a recovering catalog do not
 * arrive in lockstep.
 */
export function backoffDelayMs(retry: number, options: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Only a request that may safely be sent twice is retried (RFC 9110 §9.2.2). */
export function isIdempotent(method: string): boolean {
  return idempotentMethods.has(method.toUpperCase());
}

export const defaultSleep = (ms: number): Promise<void> => sleep(ms);

export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs}ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Runs `work` (sync or async; a synchronous throw becomes a rejection) and rejects with
 * TimeoutError if it has not settled within `timeoutMs`. The work itself cannot be cancelled;
 * the caller just stops waiting for it.
 */
export async function withTimeout<T>(work: () => Promise<T> | T, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(timeoutMs)), Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([Promise.resolve().then(work), expired]);
  } finally {
    clearTimeout(timer);
  }
}

import type { Logger } from 'pino';
import { withTimeout } from './timeout';

export interface Lifecycle {
  /** True from the first shutdown signal on: readiness answers 503 and responses carry `Connection: close`. */
  readonly draining: boolean;
  /** Hooks run in registration order after the server has closed, each bounded by the remaining deadline. */
  onShutdown(name: string, hook: () => Promise<void> | void): void;
}

interface NamedHook {
  name: string;
  hook: () => Promise<void> | void;
}

export class LifecycleController implements Lifecycle {
  #draining = false;
  readonly #hooks: NamedHook[] = [];

  get draining(): boolean {
    return this.#draining;
  }

  onShutdown(name: string, hook: () => Promise<void> | void): void {
    if (this.#hooks.some((existing) => existing.name === name)) {
      throw new Error(`A shutdown hook named '${name}' is already registered`);
    }
    this.#hooks.push({ name, hook });
  }

  /** Marks the service as draining; false if it already was (a repeated signal). */
  beginDraining(): boolean {
    if (this.#draining) return false;
    this.#draining = true;
    return true;
  }

  /**
   * Runs every hook in order, each limited to the time left before `deadlineAt` (epoch ms).
   * A failing or late hook does not stop the ones after it (each resource closes itself).
   * Returns the names of the hooks that failed, timed out or had no time left.
   */
  async runShutdownHooks(deadlineAt: number, logger: Logger): Promise<string[]> {
    const failed: string[] = [];
    for (const { name, hook } of this.#hooks) {
      const remainingMs = deadlineAt - Date.now();
      if (remainingMs <= 0) {
        logger.error({ hook: name }, 'shutdown hook skipped: deadline passed');
        failed.push(name);
        continue;
      }
      const started = Date.now();
      try {
        await withTimeout(hook, remainingMs);
        logger.info({ hook: name, durationMs: Date.now() - started }, 'shutdown hook done');
      } catch (err) {
        logger.error({ hook: name, err, durationMs: Date.now() - started }, 'shutdown hook failed');
        failed.push(name);
      }
    }
    return failed;
  }
}

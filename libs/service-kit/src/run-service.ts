import type { Express } from 'express';
import { shutdownTelemetry, trackException } from '@shipyard/telemetry';
import type { z } from 'zod';
import { ConfigError, loadConfig, type BaseConfig } from './config';
import { createServiceContext, type ServiceContext } from './context';
import { createLogger } from './logger';
import { startServer } from './server';

export interface RunServiceOptions<S extends z.ZodRawShape> {
  name: string;
  /** The service's own variables, added to the base ones (HOST, PORT, LOG_LEVEL, SHUTDOWN_DEADLINE_MS). */
  config?: S;
  setup: (ctx: ServiceContext<BaseConfig & z.infer<z.ZodObject<S>>>) => Promise<Express> | Express;
}

/**
 * The bootstrap every main.ts calls. Configuration is checked before anything starts: a bad
 * variable stops the process (exit 1) with one stderr line per variable, since the logger's
 * own level may be what is wrong.
 */
export async function runService<S extends z.ZodRawShape>(opts: RunServiceOptions<S>): Promise<void> {
  let config: BaseConfig & z.infer<z.ZodObject<S>>;
  try {
    config = loadConfig(opts.config ?? ({} as S));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const issue of err.issues) {
      process.stderr.write(`${opts.name}: invalid configuration: ${issue.variable}: ${issue.message}\n`);
    }
    process.exit(1);
  }

  const logger = createLogger({ service: opts.name, level: config.LOG_LEVEL });
  // Crashes leave a structured last line behind instead of a bare stack trace on stderr.
  // The exception is recorded and telemetry flushed (bounded) before the exit.
  const crash = (err: unknown, what: string) => {
    logger.fatal({ err }, `${what}; exiting`);
    trackException(err, { 'exception.origin': what });
    void shutdownTelemetry().finally(() => process.exit(1));
  };
  process.on('uncaughtException', (err) => crash(err, 'uncaught exception'));
  process.on('unhandledRejection', (err) => crash(err, 'unhandled promise rejection'));

  try {
    const ctx = createServiceContext(opts.name, config, logger);
    const app = await opts.setup(ctx);
    // Registered after the service's own hooks, so whatever they log or record is still sent.
    ctx.lifecycle.onShutdown('telemetry flush', () => shutdownTelemetry());
    const { url, healthUrl } = await startServer(ctx, app);
    logger.info({ url, ...(healthUrl !== url && { healthUrl }), pid: process.pid, node: process.version }, 'listening');
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    process.exit(1);
  }
}

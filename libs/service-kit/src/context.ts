import type { Logger } from 'pino';
import type { BaseConfig } from './config';
import { HealthRegistry, type Health } from './health';
import { LifecycleController, type Lifecycle } from './lifecycle';
import { createSilentLogger } from './logger';

/** Everything a service's code receives from the kit. */
export interface ServiceContext<C extends BaseConfig = BaseConfig> {
  name: string;
  config: C;
  logger: Logger;
  health: Health;
  lifecycle: Lifecycle;
}

/** Creates a context without reading the environment (tests): new Health + Lifecycle, silent logger unless given. */
export function createServiceContext<C extends BaseConfig>(name: string, config: C, logger?: Logger): ServiceContext<C> {
  const lifecycle = new LifecycleController();
  const health = new HealthRegistry(lifecycle);
  return { name, config, logger: logger ?? createSilentLogger(), health, lifecycle };
}

// createApp and startServer need the kit's own implementations (to run checks, to drain);
// a hand-made context would silently lose readiness or shutdown behaviour, so refuse it.
export function healthRegistryOf(ctx: ServiceContext<BaseConfig>): HealthRegistry {
  if (!(ctx.health instanceof HealthRegistry)) {
    throw new TypeError('ctx.health must come from createServiceContext (or runService)');
  }
  return ctx.health;
}

export function lifecycleControllerOf(ctx: ServiceContext<BaseConfig>): LifecycleController {
  if (!(ctx.lifecycle instanceof LifecycleController)) {
    throw new TypeError('ctx.lifecycle must come from createServiceContext (or runService)');
  }
  return ctx.lifecycle;
}

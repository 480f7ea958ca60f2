import { z } from 'zod';
import { createApp } from './app';
import type { ServiceContext } from './context';
import { envInteger } from './config';
import { runService } from './run-service';

class ExitCalled extends Error {
  constructor(readonly code: number | string | null | undefined) {
    super(`process.exit(${code})`);
  }
}

const watchedEvents = ['SIGTERM', 'SIGINT', 'uncaughtException', 'unhandledRejection'];
type Listener = (...args: unknown[]) => void;
const processEvents: NodeJS.EventEmitter = process;

describe('runService', () => {
  const savedEnv = { ...process.env };
  let listenersBefore: Map<string, Listener[]>;

  beforeEach(() => {
    listenersBefore = new Map(watchedEvents.map((event) => [event, processEvents.listeners(event) as Listener[]]));
    jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new ExitCalled(code);
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...savedEnv };
    // runService installs process-wide handlers meant for a whole service process; undo them here.
    for (const event of watchedEvents) {
      for (const listener of processEvents.listeners(event) as Listener[]) {
        if (!listenersBefore.get(event)?.includes(listener)) processEvents.off(event, listener);
      }
    }
  });

  it('stops with exit code 1 and one stderr line per bad variable, before calling setup', async () => {
    process.env.PORT = 'abc';
    delete process.env.SPEC_UPSTREAM_URL;
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const setup = jest.fn();
    await expect(runService({ name: 'spec-service', config: { SPEC_UPSTREAM_URL: z.url() }, setup })).rejects.toEqual(new ExitCalled(1));
    expect(stderr.mock.calls.map(([line]) => line)).toEqual([
      "spec-service: invalid configuration: PORT: expected an integer 1-65535, got 'abc'\n",
      'spec-service: invalid configuration: SPEC_UPSTREAM_URL: required\n',
    ]);
    expect(setup).not.toHaveBeenCalled();
  });

  it('gives setup a typed context, starts the server, and exits 0 after SIGTERM', async () => {
    Object.assign(process.env, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '1000', SPEC_RETRIES: '3' });
    // PORT=0 is outside the documented range; a service-level override lets the test pick a free port.
    let ctx: ServiceContext | undefined;
    let retries = 0;
    await runService({
      name: 'spec-service',
      config: { PORT: envInteger({ min: 0, max: 65535 }), SPEC_RETRIES: envInteger({ min: 0 }) },
      setup: (context) => {
        ctx = context;
        retries = context.config.SPEC_RETRIES;
        return createApp(context, () => undefined);
      },
    });
    expect(retries).toBe(3);
    expect(ctx?.name).toBe('spec-service');

    const exit = new Promise<number>((resolve) => {
      jest.spyOn(process, 'exit').mockImplementation((code) => {
        resolve(Number(code));
        return undefined as never;
      });
    });
    process.emit('SIGTERM', 'SIGTERM');
    expect(ctx?.lifecycle.draining).toBe(true);
    await expect(exit).resolves.toBe(0);
  });

  it('exits 1 when setup throws', async () => {
    Object.assign(process.env, { HOST: '127.0.0.1', PORT: '8080', LOG_LEVEL: 'silent' });
    await expect(
      runService({
        name: 'spec-service',
        setup: () => {
          throw new Error('cannot build app');
        },
      }),
    ).rejects.toEqual(new ExitCalled(1));
  });
});


import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import type { BaseConfig } from './config';
import type { ServiceContext } from './context';
import { lifecycleControllerOf } from './context';
import { createHealthApp } from './app';
import { HttpProblem, problemContentType } from './problems';

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  /** Where /healthz/* answers: the HEALTH_PORT listener, or `url` when there is none. */
  healthUrl: string;
  /** Drains and runs the shutdown hooks; rejects with ShutdownError if that was not clean. Never exits the process. */
  shutdown(reason?: string): Promise<void>;
}

export interface StartServerOptions {
  /** Signals that start the shutdown (default SIGTERM and SIGINT). */
  signals?: NodeJS.Signals[];
  /** Called with 0 or 1 after a signal-triggered shutdown (default process.exit). */
  exit?: (code: number) => void;
}

/** A shutdown that was not clean: requests still running at the deadline, or failed hooks. */
export class ShutdownError extends Error {
  constructor(
    message: string,
    readonly outstandingRequests: number,
    readonly failedHooks: string[],
  ) {
    super(message);
    this.name = 'ShutdownError';
  }
}

/** Node's parser errors that mean "your request was too big" rather than "malformed". */
const clientErrorStatus: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADERS_TIMEOUT: 408,
};

/**
 * A request Node's HTTP parser refuses (oversized headers or URL, bad characters, conflicting
 * Content-Length/Transfer-Encoding, unknown methods) never reaches Express. Node's default answer
 * has no body; this one is problem+json like every other error of the service.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A socket with a response under way (keep-alive, pipelining) cannot take a second status line:
  // Node's own default handler makes the same check on `_httpMessage`.
  if (error.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const status = clientErrorStatus[error.code ?? ''] ?? 400;
  const detail = status === 431 ? 'The request line or headers are too large.' : status === 408 ? 'The request did not arrive in time.' : 'The request is not valid HTTP.';
  const body = JSON.stringify(new HttpProblem(status, { detail }).toDocument());
  socket.end(
    `HTTP/1.1 ${status} ${new HttpProblem(status).title}\r\nContent-Type: ${problemContentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** CONNECT asks for a tunnel, which no service here offers: Node would drop the connection silently. */
export function refuseConnect(_req: unknown, socket: Socket): void {
  const body = JSON.stringify(new HttpProblem(405, { detail: 'CONNECT is not supported.' }).toDocument());
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: ${problemContentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function serverUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://${urlHost(address.address)}:${address.port}`;
}

/** Resolves true once `closed` settles, false if `deadlineAt` comes first. */
async function beforeDeadline(closed: Promise<void>, deadlineAt: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadlineAt - Date.now()));
  });
  try {
    return await Promise.race([closed.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Listens on config.HOST:config.PORT (and HEALTH_PORT for the probes, when set) and owns the shutdown sequence. Node running as PID 1 in a
 * container gets no default SIGTERM behaviour from the kernel, so the handlers here are what
 * makes `docker stop` / pod termination work at all.
 */
export async function startServer(
  ctx: ServiceContext<BaseConfig>,
  app: Express,
  opts: StartServerOptions = {},
): Promise<RunningServer> {
  const lifecycle = lifecycleControllerOf(ctx);
  const logger = ctx.logger;
  const deadlineMs = Number(ctx.config.SHUTDOWN_DEADLINE_MS);
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = opts.exit ?? ((code: number) => process.exit(code));

  const healthPort = ctx.config.HEALTH_PORT;
  if (healthPort !== undefined && healthPort === ctx.config.PORT) throw new Error(`HEALTH_PORT and PORT are both ${healthPort}: the health endpoints need a port of their own`);
  // Express answers a missing Host header itself (createApp), as problem+json.
  const server = createServer({ requireHostHeader: false }, app);
  server.on('clientError', answerClientError);
  server.on('connect', refuseConnect);
  const inFlight = new Set<ServerResponse>();

  // Runs before Express sees the request: tracks it, and while draining tells the client not
  // to reuse the connection, so keep-alive sockets end as soon as their response is sent.
  server.prependListener('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (lifecycle.draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      // A response whose headers went out before draining began leaves a keep-alive socket behind.
      if (lifecycle.draining) setImmediate(() => server.closeIdleConnections());
    });
  });

  // The probes' listener first: it must answer (503 while draining) until the very end of a shutdown.
  const healthServer = healthPort === undefined ? undefined : await listen(createServer(createHealthApp(ctx)), healthPort, ctx.config.HOST);
  try {
    await listen(server, ctx.config.PORT, ctx.config.HOST);
  } catch (error) {
    healthServer?.close();
    throw error;
  }
  server.on('error', (err) => logger.error({ err }, 'http server error'));
  healthServer?.on('error', (err) => logger.error({ err }, 'health server error'));

  const url = serverUrl(server);
  const healthUrl = healthServer ? serverUrl(healthServer) : url;
  const closeHealthServer = () => {
    healthServer?.close();
    healthServer?.closeAllConnections();
  };

  async function drain(reason: string): Promise<void> {
    lifecycle.beginDraining();
    const startedAt = Date.now();
    const deadlineAt = startedAt + deadlineMs;
    logger.info({ reason, inFlight: inFlight.size, deadlineMs }, 'shutting down: not ready, no new connections, draining');

    for (const res of inFlight) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();

    if (!(await beforeDeadline(closed, deadlineAt))) {
      const outstanding = inFlight.size;
      logger.error({ outstanding, deadlineMs }, 'shutdown deadline passed with requests in flight; closing their connections');
      server.closeAllConnections();
      throw new ShutdownError(`${outstanding} request(s) still in flight after ${deadlineMs}ms`, outstanding, []);
    }
    logger.info({ durationMs: Date.now() - startedAt }, 'server closed; running shutdown hooks');

    const failedHooks = await lifecycle.runShutdownHooks(deadlineAt, logger);
    if (failedHooks.length > 0) {
      throw new ShutdownError(`shutdown hooks failed: ${failedHooks.join(', ')}`, 0, failedHooks);
    }
    logger.info({ durationMs: Date.now() - startedAt }, 'shutdown complete');
  }

  let shutdownPromise: Promise<void> | undefined;
  function shutdown(reason = 'shutdown requested'): Promise<void> {
    shutdownPromise ??= drain(reason).finally(() => {
      removeSignalHandlers();
      closeHealthServer();
    });
    return shutdownPromise;
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdownPromise) {
      // Exiting now would cut off the requests still being served; the deadline bounds the wait.
      logger.warn({ signal }, 'signal received while draining; still draining');
      return;
    }
    shutdown(signal).then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown was not clean');
        exit(1);
      },
    );
  };
  function removeSignalHandlers() {
    for (const signal of signals) process.off(signal, onSignal);
  }
  for (const signal of signals) process.on(signal, onSignal);

  return { url, port: (server.address() as AddressInfo).port, server, healthUrl, shutdown };
}

import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { acceptItems, decodeBody, InflatedTooLargeError, MalformedBodyError, malformedResult, type Envelope, type TrackResult } from './envelopes';
import { renderSummaryPage } from './page';
import { summarize } from './summary';

/** How the endpoint answers track requests: normally, or like an ingestion outage (for rehearsals and tests). */
export type IngestionFault = 'none' | '500' | '429' | 'hang' | 'slow';

/** How long a 'slow' endpoint takes to answer a track request (under the exporter timeouts the tests use). */
export const slowIngestionDelayMs = 700;

export interface EndpointOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  dataFile: string;
  key: string;
  cert: string;
  instrumentationKey?: string;
  /** Truncate the data file instead of loading what it holds. */
  reset?: boolean;
  fault?: IngestionFault;
  /** Envelopes kept in memory for the page (the file keeps all). */
  memoryLimit?: number;
  /** Largest body accepted, before and after gzip inflation. */
  maxBodyBytes?: number;
  /** Page origins (scheme://host:port) whose browser SDK may post here; no other origin gets CORS headers. */
  allowedOrigins?: readonly string[];
  /**
   * Behave like a resource with local authentication disabled: track requests must carry
   * `Authorization: Bearer <this token>` (Microsoft Entra ID), anything else gets 401.
   */
  bearerToken?: string;
}

export interface TelemetryEndpoint {
  url: string;
  port: number;
  connectionString: string;
  /** Envelopes held in memory, oldest first. */
  envelopes(): Envelope[];
  /** Track requests refused for want of the bearer token (see EndpointOptions.bearerToken). */
  unauthorizedRequests(): number;
  /** Resolves when every accepted envelope has been appended to the data file. */
  drained(): Promise<void>;
  setFault(fault: IngestionFault): void;
  /** Lets one more page origin's browser SDK post here (a page whose port is known only once it started). */
  allowOrigin(origin: string): void;
  stop(): Promise<void>;
}

export const DEFAULT_INSTRUMENTATION_KEY = '00000000-0000-4000-8000-000000000001';
const trackPaths = new Set(['/v2/track', '/v2.1/track']);

export async function startTelemetryEndpoint(options: EndpointOptions): Promise<TelemetryEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const memoryLimit = options.memoryLimit ?? 100_000;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  let fault: IngestionFault = options.fault ?? 'none';
  const held: Envelope[] = await loadExisting(options.dataFile, options.reset ?? false);
  let writes: Promise<void> = Promise.resolve();
  const ikey = options.instrumentationKey ?? DEFAULT_INSTRUMENTATION_KEY;
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  let unauthorized = 0;

  const remember = (accepted: Envelope[]) => {
    if (accepted.length === 0) return;
    held.push(...accepted);
    if (held.length > memoryLimit) held.splice(0, held.length - memoryLimit);
    const lines = accepted.map((e) => JSON.stringify(e)).join('\n') + '\n';
    writes = writes.then(() => appendFile(options.dataFile, lines)).catch((error: Error) => {
      process.stderr.write(`[telemetry] could not append to ${options.dataFile}: ${error.message}\n`);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://local');
    const corsAllowed = cors(req, res, allowedOrigins);
    if (req.method === 'OPTIONS') return send(res, corsAllowed ? 204 : 403, '', 'text/plain');
    if (trackPaths.has(url.pathname)) {
      if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: 'POST only' }), 'application/json');
      if (fault === 'hang') return; // the socket stays open until the client gives up or stop() runs
      if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, slowIngestionDelayMs));
      if (options.bearerToken !== undefined && req.headers.authorization !== `Bearer ${options.bearerToken}`) {
        unauthorized += 1;
        await readBody(req, maxBodyBytes);
        return send(res, 401, JSON.stringify({ error: 'local authentication is disabled: a Microsoft Entra ID bearer token is required' }), 'application/json');
      }
      const raw = await readBody(req, maxBodyBytes);
      if (raw === 'too-large') return sendTrack(res, { ...malformedResult(`body larger than ${maxBodyBytes} bytes`), status: 413 });
      if (fault === '500' || fault === '429') {
        if (fault === '429') res.setHeader('retry-after', '1');
        return send(res, Number(fault), JSON.stringify({ error: `simulated ingestion fault ${fault}` }), 'application/json');
      }
      let result: TrackResult;
      try {
        result = acceptItems(decodeBody(raw, req.headers['content-encoding'], maxBodyBytes), ikey);
      } catch (error) {
        if (error instanceof InflatedTooLargeError) return sendTrack(res, { ...malformedResult(error.message), status: 413 });
        if (!(error instanceof MalformedBodyError)) throw error;
        result = malformedResult(error.message);
      }
      remember(result.accepted);
      return sendTrack(res, result);
    }
    if (req.method === 'GET' && url.pathname === '/api/summary') return send(res, 200, JSON.stringify(summarize(held), null, 2), 'application/json');
    if (req.method === 'GET' && url.pathname === '/api/envelopes') return send(res, 200, JSON.stringify(held), 'application/json');
    if (req.method === 'GET' && url.pathname === '/') return send(res, 200, renderSummaryPage(summarize(held), { dataFile: options.dataFile }), 'text/html; charset=utf-8');
    return send(res, 404, JSON.stringify({ error: `no route ${req.method} ${url.pathname}` }), 'application/json');
  };

  const server: Server = createServer({ key: options.key, cert: options.cert }, (req, res) => {
    handle(req, res).catch((error: Error) => {
      // Whatever went wrong with one request, the endpoint stays up for the next.
      process.stderr.write(`[telemetry] ${req.method} ${req.url} failed: ${error.message}\n`);
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'internal error' }), 'application/json');
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: origin,
    port,
    connectionString: `InstrumentationKey=${ikey};IngestionEndpoint=${origin}/;LiveEndpoint=${origin}/`,
    envelopes: () => [...held],
    unauthorizedRequests: () => unauthorized,
    drained: () => writes,
    setFault: (next) => {
      fault = next;
    },
    allowOrigin: (pageOrigin) => {
      allowedOrigins.add(new URL(pageOrigin).origin);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await writes;
    },
  };
}

async function loadExisting(file: string, reset: boolean): Promise<Envelope[]> {
  await mkdir(path.dirname(file), { recursive: true });
  if (reset) {
    await writeFile(file, '');
    return [];
  }
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: Envelope[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Envelope);
    } catch {
      // A torn last line (the endpoint was killed mid-write) is skipped, not fatal.
    }
  }
  return out;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The browser SDK posts from the storefront's origin: only configured origins get CORS headers,
 * so no other page open in the same browser can read or feed this endpoint. Returns whether the
 * request's origin is allowed.
 */
function cors(req: IncomingMessage, res: ServerResponse, allowed: ReadonlySet<string>): boolean {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  if (origin === undefined || !allowed.has(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-methods', 'POST, GET, OPTIONS');
  res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type');
  res.setHeader('access-control-max-age', '600');
  return true;
}

function sendTrack(res: ServerResponse, result: TrackResult): void {
  send(res, result.status, JSON.stringify(result.body), 'application/json');
}

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

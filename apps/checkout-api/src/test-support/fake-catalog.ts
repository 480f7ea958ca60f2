import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Product } from '@shipyard/contracts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FakeCatalog {
  url: string;
  /** Every request received, in order ("GET /products/teapot"). */
  requests: string[];
  /** Headers of every request received, in the same order. */
  headers: IncomingMessage['headers'][];
  /** TCP connections currently open to the fake (keep-alive sockets included). */
  openConnections(): Promise<number>;
  /** Replaces the answer to every following request. */
  respond(handler: Handler): void;
  close(): Promise<void>;
}

export function product(id: string, priceCents: number): Product {
  return { id, name: `Product ${id}`, description: '', category: 'test', priceCents, currency: 'EUR' };
}

/** Answers like catalog-api for the given products: GET /products/:id, GET /healthz/ready. */
export function catalogOf(products: Product[]): Handler {
  const byId = new Map(products.map((p) => [p.id, p]));
  return (req, res) => {
    const match = /^\/products\/([^/?]+)$/.exec(req.url ?? '');
    if (req.url === '/healthz/ready') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    } else if (match && byId.has(decodeURIComponent(match[1] as string))) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(byId.get(decodeURIComponent(match[1] as string))));
    } else {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"title":"Not Found","status":404}');
    }
  };
}

/** A catalog stand-in on 127.0.0.1 with a random port, whose answers each test scripts. */
export async function startFakeCatalog(initial: Handler): Promise<FakeCatalog> {
  let handler = initial;
  const requests: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    headers.push(req.headers);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    headers,
    openConnections: () =>
      new Promise<number>((resolve, reject) => server.getConnections((err, count) => (err ? reject(err) : resolve(count)))),
    respond: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The Services' stand-in: one loopback listener per app and environment that forwards each
 * connection to the container port the routes file names at that moment, so a replacement
 * is a route change (no VIP, no kube-proxy: a TCP relay in one process).
 */
export function routeFor(routesFile: string, port: number): number | null {
  try {
    const routes = JSON.parse(readFileSync(routesFile, 'utf8')) as Record<string, number>;
    return routes[String(port)] ?? null;
  } catch {
    return null;
  }
}

export async function startServiceProxies(ports: readonly number[], routesFile: string): Promise<() => Promise<void>> {
  const servers = await Promise.all(
    ports.map(
      (port) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((client) => {
            const target = routeFor(routesFile, port);
            if (target === null) {
              client.destroy();
              return;
            }
            const upstream = net.connect({ host: '127.0.0.1', port: target });
            client.pipe(upstream).pipe(client);
            const close = () => {
              client.destroy();
              upstream.destroy();
            };
            client.on('error', close);
            upstream.on('error', close);
          });
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  return async () => {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  };
}

import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { basicAuthorization, dockerCredential } from './docker-login';

/**
 * A plain-HTTP front for the local HTTPS registry, on loopback, counting the bytes it serves.
 *
 * Why: the BuildKit inside Docker Engine 20.10 talks plain HTTP to any registry on a loopback
 * address (containerd's MatchLocalhost; the engine's `insecure-registries` and certs.d do not
 * change that for 127.0.0.0/8), while the local registry serves HTTPS only, so a BuildKit pull
 * from 127.0.0.1:5000 gets `400 Bad Request`. Through this front the same registry answers it,
 * and what a build downloaded is measured on the wire. Hosted agents reach ACR over HTTPS and
 * need none of this. The front signs requests in with Docker's login to the registry (an engine
 * pulling from the front's own address has none), so it serves anonymous clients: it listens on
 * loopback only, for the length of one benchmark or test.
 */
export interface RegistryHttpProxy {
  /** host:port to use in image references instead of the registry's. */
  address: string;
  /** Response bytes served so far (manifests, configs, blobs). */
  bytesServed(): number;
  close(): Promise<void>;
}

export async function startRegistryHttpProxy(registry: string): Promise<RegistryHttpProxy> {
  const [host, portText] = registry.split(':');
  if (!host.startsWith('127.')) throw new Error(`the registry proxy fronts loopback registries only, not ${registry}`);
  let served = 0;
  const credential = await dockerCredential(registry);
  const authorization = credential ? basicAuthorization(credential) : undefined;
  // Its own agent, so that closing the front also closes its keep-alive connections upstream.
  const agent = new https.Agent({ keepAlive: true });
  const sockets = new Set<net.Socket>();
  const server = http.createServer((request, response) => {
    const upstream = https.request(
      {
        host,
        port: Number(portText ?? 443),
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: registry, ...(authorization && !request.headers.authorization ? { authorization } : {}) },
        agent,
        // Our own registry's self-signed certificate for 127.0.0.1, on loopback.
        rejectUnauthorized: false,
      },
      (answer) => {
        const headers = { ...answer.headers };
        if (typeof headers.location === 'string') headers.location = headers.location.replace(`https://${registry}`, `http://${address}`);
        response.writeHead(answer.statusCode ?? 502, headers);
        answer.on('data', (chunk: Buffer) => {
          served += chunk.length;
        });
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(error.message);
    });
    request.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    address,
    bytesServed: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

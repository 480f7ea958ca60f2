import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureLocalCertificate } from '../local/tls/local-certificate';
import { openRegistries } from './open-registries';
import { isNotFound, registryError } from './registry-access';

/**
 * The local registry's certificate is trusted by that registry's client only, never
 * process-wide; the client signs in with Docker's login to that registry.
 */
describe('registry trust and sign-in', () => {
  let dir: string;
  let server: Server;
  let registry: string;
  let certFile: string;
  const seen: string[] = [];
  const authorizations: Array<string | undefined> = [];

  // Only the files a test hands over: a caller's SHIPYARD_REGISTRY_CA (the rehearsal sets one) is not part of it.
  const callerCa = process.env.SHIPYARD_REGISTRY_CA;
  beforeAll(async () => {
    delete process.env.SHIPYARD_REGISTRY_CA;
    dir = mkdtempSync(path.join(tmpdir(), 'shipyard-trust-'));
    process.env.DOCKER_CONFIG = path.join(dir, 'docker');
    const certificate = await ensureLocalCertificate({
      certFile: path.join(dir, 'registry.crt'), keyFile: path.join(dir, 'registry.key'), commonName: 'test registry', ips: ['127.0.0.1'], validDays: 1, renewBeforeMs: 0,
    });
    certFile = certificate.certFile;
    server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      authorizations.push(req.headers.authorization);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    if (callerCa !== undefined) process.env.SHIPYARD_REGISTRY_CA = callerCa;
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plainGet = () =>
    new Promise<string>((resolve) => {
      get(`https://${registry}/v2/`, { agent: false }, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });

  it('trusts two local certificates side by side (a client of one registry given both files)', async () => {
    const other = await ensureLocalCertificate({
      certFile: path.join(dir, 'other.crt'), keyFile: path.join(dir, 'other.key'), commonName: 'test registry', ips: ['127.0.0.1'], validDays: 1, renewBeforeMs: 0,
    });
    const [client] = openRegistries([registry], [other.certFile, certFile], () => undefined);
    const failure = await client.content('shipyard/releases').getManifest('missing').catch((error: unknown) => error);
    expect(isNotFound(failure)).toBe(true);
  });

  it("reaches the registry through its own client, and leaves the process's trust store alone", async () => {
    const lines: string[] = [];
    const [client] = openRegistries([registry], [certFile], (line) => lines.push(line));
    const failure = await client.content('shipyard/releases').getManifest('missing').catch((error: unknown) => error);
    expect(isNotFound(failure)).toBe(true);
    expect(seen).toContain('GET /v2/shipyard%2Freleases/manifests/missing');
    expect(lines).toContain(`trusting CA certificate ${certFile} for ${registry}`);
    // Any other TLS client of this process (the Azure SDK's token and ARM calls) still refuses it.
    expect(await plainGet()).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it("signs every request in with Docker's login to that registry (Basic), and says how to get one when it is refused", async () => {
    mkdirSync(path.join(dir, 'docker'), { recursive: true });
    writeFileSync(path.join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { [registry]: { auth: Buffer.from('shipyard:pw').toString('base64') } } }));
    authorizations.length = 0;
    const [client] = openRegistries([registry], [certFile], () => undefined);
    await client.content('catalog-api').getManifest('one').catch(() => undefined);
    await client.content('catalog-api').getManifest('two').catch(() => undefined);
    expect(authorizations).toHaveLength(2);
    expect(new Set(authorizations)).toEqual(new Set([`Basic ${Buffer.from('shipyard:pw').toString('base64')}`]));
    expect(registryError({ statusCode: 401, message: 'unauthorized' }, registry, 'release push').message).toMatch(/Docker has no valid login .*`npx shipyard registry up`/);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureRegistryCertificate } from '../registry/registry-tls';
import { registryLayout } from '../registry/registry-settings';
import { loadOrCreateCertificate } from '../telemetry-endpoint/certificate';
import { ensureLocalCertificate } from './local-certificate';

const opensslText = (certFile: string) => execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-text'], { encoding: 'utf8' });

/** An unconstrained CA: CA:TRUE without a Name Constraints extension. */
function isUnconstrainedCa(text: string): boolean {
  return /CA:TRUE/.test(text) && !/X509v3 Name Constraints/.test(text);
}

describe('local certificates (registry and telemetry endpoint)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shipyard-tls-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function generatedCertificates(): Promise<Record<string, string>> {
    const layout = registryLayout(path.join(dir, 'cache'));
    await ensureRegistryCertificate(layout, '127.0.0.1');
    const telemetry = await loadOrCreateCertificate(path.join(dir, 'telemetry'));
    return { registry: layout.certFile, telemetry: telemetry.certPath };
  }

  it('are leaf certificates for loopback names, never an unconstrained CA (openssl x509 -text)', async () => {
    for (const [which, certFile] of Object.entries(await generatedCertificates())) {
      const text = opensslText(certFile);
      expect({ which, unconstrainedCa: isUnconstrainedCa(text) }).toEqual({ which, unconstrainedCa: false });
      expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
      expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
      expect(text).toMatch(/IP Address:127\.0\.0\.1/);
      expect(text).toMatch(/DNS:localhost/);
      expect(text).not.toMatch(/Certificate Sign/);
    }
  });

  it('replaces a cached CA certificate left by an older version', async () => {
    const layout = registryLayout(path.join(dir, 'cache'));
    await ensureRegistryCertificate(layout, '127.0.0.1');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-subj', '/CN=old', '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-keyout', layout.keyFile, '-out', layout.certFile,
    ], { stdio: 'ignore' });
    expect(isUnconstrainedCa(opensslText(layout.certFile))).toBe(true);
    expect(await ensureRegistryCertificate(layout, '127.0.0.1')).toBe(true);
    expect(isUnconstrainedCa(opensslText(layout.certFile))).toBe(false);
    expect(await ensureRegistryCertificate(layout, '127.0.0.1')).toBe(false);
  });

  it('is trusted by a client given exactly this certificate, and by no other client', async () => {
    const certificate = await ensureLocalCertificate({
      certFile: path.join(dir, 'c.pem'), keyFile: path.join(dir, 'k.pem'), commonName: 't', ips: ['127.0.0.1'], validDays: 1, renewBeforeMs: 0,
    });
    const server = createServer({ key: certificate.key, cert: certificate.cert }, (_req, res) => res.end('ok')).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const status = (ca?: string) =>
      new Promise<string>((resolve) => {
        get(url, { ca, agent: false }, (res) => {
          res.resume();
          resolve(String(res.statusCode));
        }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    try {
      expect(await status(certificate.cert)).toBe('200');
      expect(await status()).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('names loopback addresses only', async () => {
    await expect(
      ensureLocalCertificate({ certFile: path.join(dir, 'c.pem'), keyFile: path.join(dir, 'k.pem'), commonName: 't', ips: ['10.0.0.1'], validDays: 1, renewBeforeMs: 0 }),
    ).rejects.toThrow('a local certificate names loopback addresses only, not 10.0.0.1');
  });

  it('names a private address of a network namespace only when asked, and never a public one', async () => {
    const request = { certFile: path.join(dir, 'c.pem'), keyFile: path.join(dir, 'k.pem'), commonName: 't', ips: ['127.0.0.1'], validDays: 1, renewBeforeMs: 0 };
    await expect(ensureLocalCertificate({ ...request, namespaceIps: ['8.8.8.8'] })).rejects.toThrow("a network namespace's address is a private IPv4 address, not 8.8.8.8");
    await expect(ensureLocalCertificate({ ...request, namespaceIps: ['169.254.169.254'] })).rejects.toThrow('not 169.254.169.254');
    const plain = await ensureLocalCertificate(request);
    const widened = await ensureLocalCertificate({ ...request, namespaceIps: ['10.231.0.1'] });
    // The cached certificate did not name the node address: replaced, and the new one names both.
    expect(widened.generated).toBe(true);
    expect(widened.cert).not.toBe(plain.cert);
    expect(opensslText(widened.certFile)).toMatch(/IP Address:127\.0\.0\.1.*IP Address:10\.231\.0\.1/s);
    expect((await ensureLocalCertificate({ ...request, namespaceIps: ['10.231.0.1'] })).generated).toBe(false);
  });

  it('keeps the private key readable by its owner only', async () => {
    const layout = registryLayout(path.join(dir, 'cache'));
    await ensureRegistryCertificate(layout, '127.0.0.1');
    expect(readFileSync(layout.keyFile, 'utf8')).toContain('PRIVATE KEY');
    expect(statSync(layout.keyFile).mode & 0o777).toBe(0o600);
  });
});

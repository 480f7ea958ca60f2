import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface EndpointCertificate {
  key: string;
  cert: string;
  /** The PEM file to trust: NODE_EXTRA_CA_CERTS=<certPath>. */
  certPath: string;
  generated: boolean;
}

/** The exporter only speaks https, so the local endpoint needs a certificate Node can be told to trust. */
export async function loadOrCreateCertificate(cacheDir: string, now = new Date()): Promise<EndpointCertificate> {
  const certPath = path.join(cacheDir, 'ingestion-cert.pem');
  const keyPath = path.join(cacheDir, 'ingestion-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    // Regenerate a day before expiry rather than fail a run at midnight.
    if (new Date(new X509Certificate(cert).validTo).getTime() - now.getTime() > 86_400_000) {
      return { key: readFileSync(keyPath, 'utf8'), cert, certPath, generated: false };
    }
  }
  const notAfterDate = new Date(now.getTime() + 365 * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: 'shipyard local ingestion' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate,
    extensions: [
      // Self-signed and trusted as its own CA through NODE_EXTRA_CA_CERTS.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return { key: pems.private, cert: pems.cert, certPath, generated: true };
}

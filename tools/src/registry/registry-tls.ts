import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '../images/run-command';
import type { RegistryLayout } from './registry-settings';

const renewBeforeMs = 30 * 24 * 60 * 60 * 1000;

/**
 * True when the PEM certificate names `ip` and stays valid for at least 30 more days, so
 * a certificate that clients already trust (NODE_EXTRA_CA_CERTS) is kept across runs.
 */
export function certificateCovers(pem: string, ip: string, now: Date = new Date()): boolean {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return false;
  }
  const validTo = new Date(certificate.validTo).getTime();
  return certificate.checkIP(ip) !== undefined && validTo - now.getTime() > renewBeforeMs;
}

/**
 * Creates the registry's self-signed certificate once (openssl, 10 years, SAN for the
 * listen IP plus 127.0.0.1/::1/localhost). It is its own CA: clients trust exactly this
 * file and nothing else. Returns whether a new certificate was written.
 */
export async function ensureRegistryCertificate(layout: RegistryLayout, ip: string): Promise<boolean> {
  if (fs.existsSync(layout.certFile) && fs.existsSync(layout.keyFile)) {
    if (certificateCovers(fs.readFileSync(layout.certFile, 'utf8'), ip)) return false;
  }
  fs.mkdirSync(path.dirname(layout.certFile), { recursive: true, mode: 0o700 });
  const names = [...new Set([`IP:${ip}`, 'IP:127.0.0.1', 'IP:::1', 'DNS:localhost'])].join(',');
  await runCommand('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '3650', '-subj', '/CN=shipyard local registry',
    '-addext', `subjectAltName=${names}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
    '-addext', 'extendedKeyUsage=serverAuth',
    '-keyout', layout.keyFile, '-out', layout.certFile,
  ]);
  fs.chmodSync(layout.keyFile, 0o600);
  return true;
}

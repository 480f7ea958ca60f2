import { ensureLocalCertificate, leafCertificateCovers } from '../tls/local-certificate';
import type { RegistryLayout } from './registry-settings';

const renewBeforeMs = 30 * 24 * 60 * 60 * 1000;

/**
 * True when the PEM is a leaf certificate that names `ip` and stays valid for at least 30 more
 * days, so a certificate that clients already trust is kept across runs.
 */
export function certificateCovers(pem: string, ip: string, now: Date = new Date()): boolean {
  return leafCertificateCovers(pem, [ip], renewBeforeMs, now);
}

/**
 * Creates the registry's self-signed leaf certificate once (10 years, for the listen IP plus
 * 127.0.0.1/::1/localhost): the registry's clients trust exactly this server. Returns whether a
 * new certificate was written.
 */
export async function ensureRegistryCertificate(layout: RegistryLayout, ip: string): Promise<boolean> {
  const certificate = await ensureLocalCertificate({
    certFile: layout.certFile,
    keyFile: layout.keyFile,
    commonName: 'shipyard local registry',
    ips: [ip, '127.0.0.1', '::1'],
    dnsNames: ['localhost'],
    validDays: 3650,
    renewBeforeMs,
  });
  return certificate.generated;
}

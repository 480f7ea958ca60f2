import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';

/**
 * The one generator of the certificates the local stand-ins (registry, telemetry endpoint)
 * serve. Each is a self-signed *leaf*: `CA:FALSE`, key usage `digitalSignature` only, server
 * auth only, names limited to loopback. A client told to trust it (an `ca` option, or
 * NODE_EXTRA_CA_CERTS in a test process) trusts exactly this server and nothing else: its key
 * cannot vouch for any other certificate, as a CA's key could for every host on the internet.
 */
export interface LocalCertificateRequest {
  certFile: string;
  keyFile: string;
  commonName: string;
  /** IP addresses to name; each must be loopback (127.0.0.0/8 or ::1). */
  ips: readonly string[];
  /**
   * Private IPv4 addresses that exist only inside a network namespace shipyard created (the local
   * cluster's node address, where its pods reach a loopback service through a forwarder).
   */
  namespaceIps?: readonly string[];
  /** Host names to name; only localhost. */
  dnsNames?: readonly ('localhost')[];
  validDays: number;
  /** An existing certificate closer than this to its end is replaced. */
  renewBeforeMs: number;
  now?: Date;
}

export interface LocalCertificate {
  key: string;
  cert: string;
  certFile: string;
  keyFile: string;
  generated: boolean;
}

const isLoopbackIp = (ip: string) => (net.isIPv4(ip) && ip.startsWith('127.')) || ip === '::1';
const isPrivateIpv4 = (ip: string) => net.isIPv4(ip) && /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);

/**
 * True when the PEM is a leaf certificate (not a CA), names every IP in `ips` and stays valid
 * for `renewBeforeMs` more. A CA certificate left by an older version is thus replaced.
 */
export function leafCertificateCovers(pem: string, ips: readonly string[], renewBeforeMs: number, now = new Date()): boolean {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return false;
  }
  if (certificate.ca) return false;
  if (new Date(certificate.validTo).getTime() - now.getTime() <= renewBeforeMs) return false;
  return ips.every((ip) => certificate.checkIP(ip) !== undefined);
}

/** Reuses the certificate in certFile/keyFile when it still fits, else writes a new one (key mode 0600). */
export async function ensureLocalCertificate(request: LocalCertificateRequest): Promise<LocalCertificate> {
  const now = request.now ?? new Date();
  const refused = request.ips.filter((ip) => !isLoopbackIp(ip));
  if (refused.length > 0) throw new Error(`a local certificate names loopback addresses only, not ${refused.join(', ')}`);
  const outside = (request.namespaceIps ?? []).filter((ip) => !isPrivateIpv4(ip));
  if (outside.length > 0) throw new Error(`a network namespace's address is a private IPv4 address, not ${outside.join(', ')}`);
  const ips = [...new Set([...request.ips, ...(request.namespaceIps ?? [])])];
  const { certFile, keyFile } = request;
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    if (leafCertificateCovers(cert, ips, request.renewBeforeMs, now)) {
      return { key: readFileSync(keyFile, 'utf8'), cert, certFile, keyFile, generated: false };
    }
  }
  // A unique subject per certificate: a client trusting two of them (promote between two local
  // registries) looks the issuer up by subject name, and would otherwise find the wrong one.
  const commonName = `${request.commonName} ${randomBytes(6).toString('hex')}`;
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + request.validDays * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...ips.map((ip) => ({ type: 7 as const, ip })), ...(request.dnsNames ?? []).map((value) => ({ type: 2 as const, value }))],
      },
    ],
  });
  mkdirSync(path.dirname(certFile), { recursive: true, mode: 0o700 });
  mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { key: pems.private, cert: pems.cert, certFile, keyFile, generated: true };
}

import path from 'node:path';
import { ensureLocalCertificate } from '../tls/local-certificate';

export interface EndpointCertificate {
  key: string;
  cert: string;
  /** The PEM file to trust: NODE_EXTRA_CA_CERTS=<certPath> in the processes that report to it. */
  certPath: string;
  generated: boolean;
}

/**
 * The exporter only speaks https, so the local endpoint needs a certificate Node can be told to trust.
 * `namespaceIps`: also name these addresses (the local cluster's node address, where pods reach
 * the endpoint through the cluster's forwarder).
 */
export async function loadOrCreateCertificate(cacheDir: string, now = new Date(), namespaceIps: readonly string[] = []): Promise<EndpointCertificate> {
  const certificate = await ensureLocalCertificate({
    certFile: path.join(cacheDir, 'ingestion-cert.pem'),
    keyFile: path.join(cacheDir, 'ingestion-key.pem'),
    commonName: 'shipyard local ingestion',
    ips: ['127.0.0.1', '::1'],
    namespaceIps,
    dnsNames: ['localhost'],
    validDays: 365,
    // Regenerate a day before expiry rather than fail a run at midnight.
    renewBeforeMs: 86_400_000,
    now,
  });
  return { key: certificate.key, cert: certificate.cert, certPath: certificate.certFile, generated: certificate.generated };
}

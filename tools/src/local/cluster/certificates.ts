import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';
import { clusterNetwork, nodeName } from './config';
import { corednsUser, deployerUser } from './setup-objects';

/** One client or server certificate the cluster needs, signed by the cluster CA. */
export interface CertificateSpec {
  file: string;
  commonName: string;
  organization?: string;
  server?: { dns: string[]; ips: string[] };
  client?: boolean;
}

/**
 * Every certificate of the cluster: the identities the components authenticate as (their
 * names are the ones the API server's bootstrap RBAC policy binds), the API server's and
 * etcd's serving certificates, and the two users: an admin (system:masters) and the
 * namespace-scoped deployer.
 */
export function certificateSpecs(): CertificateSpec[] {
  const apiNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterNetwork.clusterDomain}`, 'localhost'];
  return [
    { file: 'apiserver', commonName: 'kube-apiserver', server: { dns: apiNames, ips: ['127.0.0.1', clusterNetwork.nodeIp, clusterNetwork.apiServiceIp] } },
    { file: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organization: 'system:masters', client: true },
    { file: 'apiserver-etcd-client', commonName: 'kube-apiserver-etcd-client', client: true },
    { file: 'etcd-server', commonName: 'etcd', server: { dns: ['localhost'], ips: ['127.0.0.1'] } },
    { file: 'kubelet-serving', commonName: `system:node:${nodeName}`, organization: 'system:nodes', server: { dns: [nodeName], ips: [clusterNetwork.nodeIp] } },
    { file: 'kubelet', commonName: `system:node:${nodeName}`, organization: 'system:nodes', client: true },
    { file: 'controller-manager', commonName: 'system:kube-controller-manager', client: true },
    { file: 'scheduler', commonName: 'system:kube-scheduler', client: true },
    { file: 'kube-proxy', commonName: 'system:kube-proxy', client: true },
    { file: 'coredns', commonName: corednsUser, client: true },
    { file: 'admin', commonName: 'shipyard-admin', organization: 'system:masters', client: true },
    { file: 'deployer', commonName: deployerUser, client: true },
  ];
}

export interface Pem {
  cert: string;
  key: string;
}

const day = 86_400_000;

/** The cluster CA (self-signed, EC P-256), created with the same library as the telemetry endpoint's certificate. */
async function createCa(now: Date): Promise<Pem> {
  const pems = await generate([{ name: 'commonName', value: 'shipyard local cluster CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 365 * day),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function issue(spec: CertificateSpec, ca: Pem, now: Date): Promise<Pem> {
  const subject = [{ name: 'commonName', value: spec.commonName }, ...(spec.organization ? [{ name: 'organizationName', value: spec.organization }] : [])];
  const pems = await generate(subject, {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 365 * day),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: Boolean(spec.server), clientAuth: Boolean(spec.client) },
      ...(spec.server
        ? [{ name: 'subjectAltName' as const, altNames: [...spec.server.dns.map((value) => ({ type: 2 as const, value })), ...spec.server.ips.map((ip) => ({ type: 7 as const, ip }))] }]
        : []),
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * Writes the CA, every certificate and the service-account signing key pair under `pki`
 * (a new cluster gets new ones: `cluster down` removes the folder). Returns the CA.
 */
export async function writeClusterPki(pki: string, now = new Date()): Promise<Pem> {
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const caCert = path.join(pki, 'ca.crt');
  const ca = existsSync(caCert) ? { cert: readFileSync(caCert, 'utf8'), key: readFileSync(path.join(pki, 'ca.key'), 'utf8') } : await createCa(now);
  writeFileSync(caCert, ca.cert);
  writeFileSync(path.join(pki, 'ca.key'), ca.key, { mode: 0o600 });
  for (const spec of certificateSpecs()) {
    const pem = await issue(spec, ca, now);
    writeFileSync(path.join(pki, `${spec.file}.crt`), pem.cert);
    writeFileSync(path.join(pki, `${spec.file}.key`), pem.key, { mode: 0o600 });
  }
  const serviceAccount = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  writeFileSync(path.join(pki, 'sa.pub'), serviceAccount.publicKey);
  writeFileSync(path.join(pki, 'sa.key'), serviceAccount.privateKey, { mode: 0o600 });
  return ca;
}

export function readPem(pki: string, file: string): Pem {
  return { cert: readFileSync(path.join(pki, `${file}.crt`), 'utf8'), key: readFileSync(path.join(pki, `${file}.key`), 'utf8') };
}

import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { CliError, ExitCode } from '../../cli/errors';

export const defaultRegistryAddress = '127.0.0.1:5000';

export interface RegistryAddress {
  host: string;
  port: number;
  /** host:port, the form docker image references use. */
  hostPort: string;
}

/**
 * Parses the address the local registry listens on. Only 127.0.0.0/8 is accepted: Docker
 * treats exactly that range as an insecure registry (so it accepts the self-signed
 * certificate), and the network rule here keeps every server on loopback.
 */
export function parseRegistryAddress(value: string): RegistryAddress {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value.trim());
  if (!match) throw new CliError(`registry address "${value}" must look like 127.0.0.1:5000`, ExitCode.usage);
  const [, host, portText] = match;
  const port = Number(portText);
  if (!net.isIPv4(host) || !host.startsWith('127.')) {
    throw new CliError(`registry address "${value}" must be a loopback IPv4 address (127.0.0.0/8)`, ExitCode.usage);
  }
  if (port < 1 || port > 65535) throw new CliError(`registry port ${port} is outside 1-65535`, ExitCode.usage);
  return { host, port, hostPort: `${host}:${port}` };
}

/** Every file the local registry owns, under one cache folder. */
export interface RegistryLayout {
  root: string;
  dataDir: string;
  certFile: string;
  keyFile: string;
  configFile: string;
  pidFile: string;
  logFile: string;
  /** The one user's password (JSON, mode 0600), from which the login of every client is made. */
  credentialFile: string;
  /** Its bcrypt hash, which docker-registry checks each request against. */
  htpasswdFile: string;
}

export function registryLayout(cacheDir: string): RegistryLayout {
  const root = path.join(cacheDir, 'registry');
  return {
    root,
    dataDir: path.join(root, 'data'),
    certFile: path.join(root, 'tls', 'registry.crt'),
    keyFile: path.join(root, 'tls', 'registry.key'),
    configFile: path.join(root, 'config.yml'),
    pidFile: path.join(root, 'registry.pid'),
    logFile: path.join(root, 'registry.log'),
    credentialFile: path.join(root, 'auth', 'credential.json'),
    htpasswdFile: path.join(root, 'auth', 'htpasswd'),
  };
}

export function registryUrl(address: RegistryAddress): string {
  return `https://${address.hostPort}`;
}

/**
 * The distribution (docker-registry 2.8) configuration. Relative upload URLs and TLS are
 * what the Azure registry SDK needs (it refuses http:// and follows Location headers as
 * given); deletes are enabled so promotion/cleanup steps can remove manifests. Every request
 * must sign in (htpasswd, Basic over TLS), as every request to ACR must: a process on the
 * machine that has not been handed the login can neither read nor overwrite nor delete images.
 */
export function renderRegistryConfig(address: RegistryAddress, layout: RegistryLayout): string {
  return stringify({
    version: 0.1,
    log: { level: 'info', formatter: 'text', fields: { service: 'shipyard-registry' } },
    storage: {
      filesystem: { rootdirectory: layout.dataDir },
      delete: { enabled: true },
    },
    http: {
      addr: address.hostPort,
      relativeurls: true,
      tls: { certificate: layout.certFile, key: layout.keyFile },
      headers: { 'X-Content-Type-Options': ['nosniff'] },
    },
    auth: { htpasswd: { realm: 'shipyard-registry', path: layout.htpasswdFile } },
  });
}

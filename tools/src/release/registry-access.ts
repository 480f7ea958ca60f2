import { existsSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { ContainerRegistryContentClient } from '@azure/container-registry';
import { CliError, ExitCode } from '../cli/errors';
import { shipyardCacheDir } from '../images/cache-dir';
import { basicAuthorization, dockerCredential } from '../images/docker-login';
import { azureCredential } from './azure-credential';
import { defaultRegistryAddress, registryLayout } from '../local/registry/registry-settings';

type ClientOptions = NonNullable<ConstructorParameters<typeof ContainerRegistryContentClient>[3]>;
type PipelinePolicy = NonNullable<ClientOptions['additionalPolicies']>[number]['policy'];

/** What the SDK authenticates with (an @azure/identity credential). */
export type TokenCredential = ConstructorParameters<typeof ContainerRegistryContentClient>[2];

/** The slice of the Azure SDK's content client the release, deploy and promote steps use. */
export type ContentClient = Pick<ContainerRegistryContentClient, 'uploadBlob' | 'setManifest' | 'getManifest' | 'downloadBlob'>;

/** One registry, and a content client per repository in it. */
export interface RegistryClient {
  /** host[:port], the form image references use (myacr.azurecr.io, 127.0.0.1:5000). */
  registry: string;
  content(repository: string): ContentClient;
}

/**
 * The registry a command talks to: --registry, else SHIPYARD_REGISTRY, else the local registry
 * of `shipyard registry up`. Only a host with an optional port: the SDK always speaks HTTPS.
 */
export function resolveRegistry(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const value = (option ?? env.SHIPYARD_REGISTRY ?? defaultRegistryAddress).trim();
  if (/^[a-z]+:\/\//i.test(value)) {
    throw new CliError(`registry "${value}" must be a host[:port] without a scheme (e.g. myacr.azurecr.io or 127.0.0.1:5000); HTTPS is always used`, ExitCode.usage);
  }
  if (!/^(\[[0-9a-f:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(value)) {
    throw new CliError(`registry "${value}" is not a host[:port] (e.g. myacr.azurecr.io or 127.0.0.1:5000)`, ExitCode.usage);
  }
  return value;
}

export function registryHost(registry: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(registry);
  return bracketed ? bracketed[1] : registry.replace(/:\d+$/, '');
}

/** Loopback registries (the local one, the tests') sign in with Docker's login, not Azure AD. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHost(registry);
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Reads CA certificates (PEM files) for one registry's client. The SDK refuses plain http, and
 * the local registry serves HTTPS with its own self-signed certificate; trusting it only in that
 * registry's client (rather than in the process-wide store, where it would also vouch for the
 * Azure calls of the same process) keeps the trust where it is needed.
 */
export function readCertificates(files: readonly string[]): string[] {
  return files.map((file) => {
    if (!existsSync(file)) throw new CliError(`CA certificate file ${file} does not exist`, ExitCode.usage);
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`${file} is not a PEM certificate`, ExitCode.usage);
    return pem;
  });
}

/** A pipeline policy that sends every request of one client through an agent trusting `pems` too. */
function trustPolicy(pems: readonly string[]): PipelinePolicy {
  const agent = new Agent({ keepAlive: true, ca: [...tls.getCACertificates('default'), ...pems] });
  return {
    name: 'shipyardRegistryTrust',
    sendRequest(request, next) {
      request.agent = agent;
      return next(request);
    },
  };
}

/**
 * CA files to trust for this registry: the ones given (--ca-file, SHIPYARD_REGISTRY_CA as a
 * path list), plus the certificate of `shipyard registry up` when it is a loopback registry
 * and that file exists.
 */
export function caFilesFor(registry: string, given: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.SHIPYARD_REGISTRY_CA ?? '').split(':').filter(Boolean);
  const local = registryLayout(shipyardCacheDir(env)).certFile;
  const needsLocal = isLoopbackRegistry(registry) && existsSync(local);
  return [...new Set([...given, ...fromEnv, ...(needsLocal ? [local] : [])])];
}

/**
 * A pipeline policy that signs every request of one client in with the Basic credential
 * Docker's config holds for the registry (`docker login`, which `shipyard registry up` runs),
 * read once on first use. A registry with no login there is asked anonymously and answers 401.
 */
function dockerLoginPolicy(registry: string): PipelinePolicy {
  let authorization: Promise<string | undefined> | undefined;
  return {
    name: 'shipyardDockerLogin',
    async sendRequest(request, next) {
      authorization ??= dockerCredential(registry).then((credential) => (credential ? basicAuthorization(credential) : undefined));
      const value = await authorization;
      if (value) request.headers.set('authorization', value);
      return next(request);
    },
  };
}

export interface ConnectOptions {
  /** Credential for non-loopback registries; default azureCredential() (AzureCliCredential in a pipeline, DefaultAzureCredential elsewhere). */
  credential?: TokenCredential;
  log?: (line: string) => void;
  /** Extra CA certificates (PEM) this registry's client trusts, on top of Node's bundled ones. */
  caCertificates?: readonly string[];
}

/** A content-client factory for the registry: Docker's login on loopback, Azure AD everywhere else. */
export function connectRegistry(registry: string, options: ConnectOptions = {}): RegistryClient {
  let credential: TokenCredential | undefined = options.credential;
  const loopback = !credential && isLoopbackRegistry(registry);
  if (!credential && !loopback) {
    credential = azureCredential(options.log);
  }
  const endpoint = `https://${registry}`;
  const policies: NonNullable<ClientOptions['additionalPolicies']> = [];
  if (options.caCertificates && options.caCertificates.length > 0) policies.push({ policy: trustPolicy(options.caCertificates), position: 'perCall' });
  if (loopback) policies.push({ policy: dockerLoginPolicy(registry), position: 'perCall' });
  const clients = new Map<string, ContentClient>();
  return {
    registry,
    content(repository) {
      let client = clients.get(repository);
      if (!client) {
        // The SDK types the credential as required; a loopback registry signs in through the Docker-login policy instead.
        client = new ContainerRegistryContentClient(endpoint, repository, credential as TokenCredential, {
          retryOptions: { maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2000 },
          additionalPolicies: policies,
        });
        clients.set(repository, client);
      }
      return client;
    },
  };
}

interface RestLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

export function isNotFound(error: unknown): boolean {
  return (error as RestLikeError | undefined)?.statusCode === 404;
}

const tlsCodes = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED']);

/** Turns an SDK failure into one message that says what to do about it. */
export function registryError(error: unknown, registry: string, doing: string): CliError {
  if (error instanceof CliError) return error;
  const rest = (error ?? {}) as RestLikeError;
  const code = rest.code ?? '';
  const message = (rest.message ?? String(error)).split('\n')[0];
  if (tlsCodes.has(code) || /self[- ]signed|certificate/i.test(message)) {
    return new CliError(
      `${doing}: the TLS certificate of https://${registry} is not trusted (${code || message}). ` +
        'For the local registry, trust its certificate: --ca-file <file>, SHIPYARD_REGISTRY_CA=<file> or NODE_EXTRA_CA_CERTS=<file> ' +
        '(`npx shipyard registry status` prints the file)',
      ExitCode.environment,
    );
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code)) {
    return new CliError(`${doing}: cannot reach https://${registry} (${code}); is the registry up? (\`npx shipyard registry up\` for the local one)`, ExitCode.environment);
  }
  if ((rest.statusCode === 401 || rest.statusCode === 403) && isLoopbackRegistry(registry)) {
    return new CliError(
      `${doing}: https://${registry} answered ${rest.statusCode}: Docker has no valid login to it; \`npx shipyard registry up\` logs Docker in to the local registry`,
      ExitCode.environment,
    );
  }
  if (rest.statusCode === 401 || rest.statusCode === 403) {
    return new CliError(
      `${doing}: https://${registry} answered ${rest.statusCode}; sign in (az login / the pipeline's service connection) with a role that may read and write (AcrPush)`,
      ExitCode.environment,
    );
  }
  return new CliError(`${doing}: ${rest.statusCode ? `HTTP ${rest.statusCode}: ` : ''}${message}`, ExitCode.failed);
}

import { type Command, Option } from 'commander';
import { caFilesFor, connectRegistry, type RegistryClient, resolveRegistry, trustCertificates } from './registry-access';
import { ReleaseStore } from './release-store';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** --ca-file, repeatable: certificates to trust for registries with a private CA (the local one). */
export function caFileOption(): Option {
  return new Option('--ca-file <file>', 'trust this CA certificate (PEM) for the registry; repeatable; also SHIPYARD_REGISTRY_CA (path list) and NODE_EXTRA_CA_CERTS').argParser(collect);
}

/** --registry and --ca-file, shared by the release, deploy and smoke commands. */
export function withRegistryOptions(command: Command): Command {
  return command
    .option('--registry <host[:port]>', 'container registry holding images and releases (env SHIPYARD_REGISTRY; default 127.0.0.1:5000, the local one)')
    .addOption(caFileOption());
}

/**
 * Connects to registries: trusts the CA files that apply (given ones, SHIPYARD_REGISTRY_CA, the
 * local registry's own certificate for loopback registries), then returns clients.
 */
export async function openRegistries(registries: readonly string[], caFiles: readonly string[] | undefined, log: (line: string) => void): Promise<RegistryClient[]> {
  for (const file of trustCertificates(caFilesFor(registries, caFiles ?? []))) log(`trusting CA certificate ${file}`);
  return Promise.all(registries.map((registry) => connectRegistry(registry)));
}

export async function openReleaseStore(raw: { registry?: string; caFile?: string[] }, log: (line: string) => void): Promise<ReleaseStore> {
  const registry = resolveRegistry(raw.registry);
  const [client] = await openRegistries([registry], raw.caFile, log);
  return new ReleaseStore(client);
}

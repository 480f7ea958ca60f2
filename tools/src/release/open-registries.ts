import { caFilesFor, connectRegistry, readCertificates, type RegistryClient, resolveRegistry } from './registry-access';
import { ReleaseStore } from './release-store';

/**
 * Connects to registries, each client trusting the CA files that apply to its registry (given
 * ones, SHIPYARD_REGISTRY_CA, the local registry's own certificate for a loopback registry).
 */
export function openRegistries(registries: readonly string[], caFiles: readonly string[] | undefined, log: (line: string) => void): RegistryClient[] {
  return registries.map((registry) => {
    const files = caFilesFor(registry, caFiles ?? []);
    const caCertificates = readCertificates(files);
    for (const file of files) log(`trusting CA certificate ${file} for ${registry}`);
    return connectRegistry(registry, { caCertificates, log });
  });
}

/** The release store of --registry / SHIPYARD_REGISTRY / the local registry. */
export function openReleaseStore(raw: { registry?: string; caFile?: string[] }, log: (line: string) => void): ReleaseStore {
  const registry = resolveRegistry(raw.registry);
  const [client] = openRegistries([registry], raw.caFile, log);
  return new ReleaseStore(client);
}

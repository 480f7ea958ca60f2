import { caFilesFor, connectRegistry, type RegistryClient, resolveRegistry, trustCertificates } from './registry-access';
import { ReleaseStore } from './release-store';

/**
 * Connects to registries: trusts the CA files that apply (given ones, SHIPYARD_REGISTRY_CA, the
 * local registry's own certificate for loopback registries), then returns clients.
 */
export function openRegistries(registries: readonly string[], caFiles: readonly string[] | undefined, log: (line: string) => void): RegistryClient[] {
  for (const file of trustCertificates(caFilesFor(registries, caFiles ?? []))) log(`trusting CA certificate ${file}`);
  return registries.map((registry) => connectRegistry(registry, { log }));
}

/** The release store of --registry / SHIPYARD_REGISTRY / the local registry. */
export function openReleaseStore(raw: { registry?: string; caFile?: string[] }, log: (line: string) => void): ReleaseStore {
  const registry = resolveRegistry(raw.registry);
  const [client] = openRegistries([registry], raw.caFile, log);
  return new ReleaseStore(client);
}

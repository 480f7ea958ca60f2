import { defaultHelm } from '../helm/binary';
import { buildBaseImages, type BaseImageOutcome } from '../images/base-builder';
import { validateRegistry } from '../images/base-images';
import { shipyardCacheDir } from '../images/cache-dir';
import { startRegistry } from '../registry/registry-server';
import { parseRegistryAddress, registryLayout } from '../registry/registry-settings';

export interface PrepareOptions {
  workspaceRoot: string;
  registry: string;
  debianMirror: string;
  log: (line: string) => void;
}

export interface PrepareOutcome {
  registry: string;
  helm: string;
  bases: BaseImageOutcome[];
}

/**
 * The machine-level things the tests and the rehearsal share, made true in one process: the local
 * registry answers, the offline base images are in it, the pinned helm is cached. Each step is
 * idempotent and fast when nothing changed. Everything here may reach the package registries,
 * so it runs before the test run's loopback guard.
 */
export async function prepareMachine(options: PrepareOptions): Promise<PrepareOutcome> {
  const cacheDir = shipyardCacheDir();
  const address = parseRegistryAddress(options.registry);
  const status = await startRegistry(address, registryLayout(cacheDir), (line) => options.log(`[registry] ${line}`));
  const helm = await defaultHelm((line) => options.log(line));
  options.log(`helm ${helm.version} (${helm.source}: ${helm.path})`);
  const bases = await buildBaseImages({
    workspaceRoot: options.workspaceRoot,
    cacheDir,
    registry: validateRegistry(status.address, '--registry'),
    debianMirror: options.debianMirror,
    refreshRootfs: false,
    dryRun: false,
    log: (line) => options.log(`[base] ${line}`),
  });
  return { registry: status.address, helm: helm.path, bases };
}

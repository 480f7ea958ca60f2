import { shipyardCacheDir as cacheRoot } from '../../bootstrap/cache-root.cjs';

/**
 * Where shipyard keeps machine-level state that survives `git clean` (the Node binary, helm,
 * the registry's data and certificate, the debootstrap rootfs). One definition, shared with the
 * bootstrap that runs before node_modules exists: tools/bootstrap/cache-root.cjs.
 */
export function shipyardCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return cacheRoot(env);
}

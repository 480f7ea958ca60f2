import os from 'node:os';
import path from 'node:path';

/**
 * Where shipyard keeps machine-level state that survives `git clean` (the Node binary,
 * the registry's data and certificate, the debootstrap rootfs). Same variable and default
 * as tools/bootstrap/node.sh, so CI can point both at one cached folder.
 */
export function shipyardCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.SHIPYARD_CACHE?.trim();
  return configured ? path.resolve(configured) : path.join(os.homedir(), '.cache', 'shipyard');
}

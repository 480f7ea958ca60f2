import os from 'node:os';
import path from 'node:path';

/**
 * Where shipyard keeps machine-level state that survives `git clean` (the Node binary, helm,
 * the registry's data and certificate, the debootstrap rootfs): `SHIPYARD_CACHE`, else
 * `$XDG_CACHE_HOME/shipyard`, else `~/.cache/shipyard`. tools/bootstrap/node.sh resolves the
 * same folder (cache-dir.spec.ts checks both), so CI can cache one path for all of it.
 */
export function shipyardCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.SHIPYARD_CACHE?.trim();
  if (configured) return path.resolve(configured);
  const xdg = env.XDG_CACHE_HOME?.trim();
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'shipyard');
}

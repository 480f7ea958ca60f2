'use strict';
// The one cache root of shipyard: machine-level state that survives `git clean` (the Node binary,
// helm, the registry's data and certificate, base-image inputs, the local cluster's build).
// The TypeScript CLI reads it through tools/src/images/cache-dir.ts, which calls this function.
const os = require('node:os');
const path = require('node:path');

/** SHIPYARD_CACHE, else $XDG_CACHE_HOME/shipyard, else ~/.cache/shipyard. */
function shipyardCacheDir(env = process.env) {
  const configured = env.SHIPYARD_CACHE?.trim();
  if (configured) return path.resolve(configured);
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'shipyard');
  return path.join(os.homedir(), '.cache', 'shipyard');
}

module.exports = { shipyardCacheDir };

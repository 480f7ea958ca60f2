import os from 'node:os';
import path from 'node:path';
import { shipyardCacheDir } from './cache-dir';

describe('shipyardCacheDir', () => {
  it('is SHIPYARD_CACHE, else $XDG_CACHE_HOME/shipyard, else ~/.cache/shipyard', () => {
    expect(shipyardCacheDir({ SHIPYARD_CACHE: '/ci/cache', XDG_CACHE_HOME: '/xdg' })).toBe('/ci/cache');
    expect(shipyardCacheDir({ SHIPYARD_CACHE: ' ', XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/shipyard');
    expect(shipyardCacheDir({ XDG_CACHE_HOME: '' })).toBe(path.join(os.homedir(), '.cache', 'shipyard'));
  });
});

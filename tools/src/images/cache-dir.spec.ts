import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '../workspace/root';
import { shipyardCacheDir } from './cache-dir';

describe('shipyardCacheDir', () => {
  it('is SHIPYARD_CACHE, else $XDG_CACHE_HOME/shipyard, else ~/.cache/shipyard', () => {
    expect(shipyardCacheDir({ SHIPYARD_CACHE: '/ci/cache', XDG_CACHE_HOME: '/xdg' })).toBe('/ci/cache');
    expect(shipyardCacheDir({ SHIPYARD_CACHE: ' ', XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/shipyard');
    expect(shipyardCacheDir({ XDG_CACHE_HOME: '' })).toBe(path.join(os.homedir(), '.cache', 'shipyard'));
  });

  // node.sh runs before any Node exists, so it restates the rule in bash: both must name one folder.
  it.each([
    [{ SHIPYARD_CACHE: '/ci/cache', XDG_CACHE_HOME: '/xdg' }],
    [{ XDG_CACHE_HOME: '/xdg' }],
    [{}],
  ])('agrees with tools/bootstrap/node.sh for %j', (vars: Record<string, string>) => {
    const env: NodeJS.ProcessEnv = { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: os.homedir(), ...vars };
    const nodeDir = execFileSync('bash', ['-c', 'source tools/bootstrap/node.sh >/dev/null && printf %s "$_shipyard_node_dir"'], { cwd: workspaceRoot, env, encoding: 'utf8' });
    const version = readFileSync(path.join(workspaceRoot, '.nvmrc'), 'utf8').trim();
    expect(nodeDir).toBe(path.join(shipyardCacheDir(env), 'node', version));
  });
});

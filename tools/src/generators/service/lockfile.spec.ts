import { withWorkspacePackage, type LockfileV3 } from './lockfile';

const lock = (): LockfileV3 => ({
  name: 'shipyard',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'shipyard', workspaces: ['apps/*'] },
    'apps/catalog-api': { name: '@shipyard/catalog-api', version: '0.1.0' },
    'apps/storefront': { name: '@shipyard/storefront', version: '0.1.0' },
    'node_modules/@shipyard/catalog-api': { resolved: 'apps/catalog-api', link: true },
    'node_modules/@shipyard/storefront': { resolved: 'apps/storefront', link: true },
    'node_modules/express': { version: '5.3.0' },
  },
});

describe('withWorkspacePackage', () => {
  it('adds the folder entry and the node_modules link where npm sorts them', () => {
    const updated = withWorkspacePackage(lock(), 'apps/orders-api', { name: '@shipyard/orders-api', version: '0.1.0', dependencies: { express: '5.3.0' } });
    expect(Object.keys(updated.packages)).toEqual([
      '',
      'apps/catalog-api',
      'apps/orders-api',
      'apps/storefront',
      'node_modules/@shipyard/catalog-api',
      'node_modules/@shipyard/orders-api',
      'node_modules/@shipyard/storefront',
      'node_modules/express',
    ]);
    expect(updated.packages['apps/orders-api']).toEqual({ name: '@shipyard/orders-api', version: '0.1.0', dependencies: { express: '5.3.0' } });
    expect(updated.packages['node_modules/@shipyard/orders-api']).toEqual({ resolved: 'apps/orders-api', link: true });
    expect(updated.name).toBe('shipyard');
  });

  it('keeps the input unchanged', () => {
    const input = lock();
    withWorkspacePackage(input, 'apps/orders-api', { name: '@shipyard/orders-api', version: '0.1.0' });
    expect(input).toEqual(lock());
  });

  it('refuses to overwrite an entry', () => {
    expect(() => withWorkspacePackage(lock(), 'apps/catalog-api', { name: '@shipyard/catalog-api', version: '0.1.0' })).toThrow(
      'package-lock.json already has an entry "apps/catalog-api"',
    );
  });

  it('refuses a lockfile without the packages map (npm 6)', () => {
    expect(() => withWorkspacePackage({ lockfileVersion: 1 } as unknown as LockfileV3, 'apps/x', { name: '@shipyard/x', version: '0.1.0' })).toThrow(/lockfileVersion 1/);
  });
});

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { workspaceRoot } from './root';

/** Apps Nx marks affected when exactly these files change (what `nx affected` acts on). */
function affectedApps(...files: string[]): string[] {
  const out = execFileSync(
    path.join(workspaceRoot, 'node_modules', '.bin', 'nx'),
    ['show', 'projects', '--affected', `--files=${files.join(',')}`, '--projects=tag:type:app', '--json'],
    { cwd: workspaceRoot, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  return (JSON.parse(out) as string[]).sort();
}

describe('project types', () => {
  it('Nx knows the services as applications (`nx show projects --type app`)', () => {
    const out = execFileSync(path.join(workspaceRoot, 'node_modules', '.bin', 'nx'), ['show', 'projects', '--type', 'app', '--json'], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    expect((JSON.parse(out) as string[]).sort()).toEqual(['catalog-api', 'checkout-api', 'storefront']);
  }, 60_000);
});

describe('nx affected over the workspace graph', () => {
  it('a change to the shared contracts affects every service that imports them', () => {
    expect(affectedApps('libs/contracts/src/index.ts')).toEqual(['catalog-api', 'checkout-api', 'storefront']);
  }, 60_000);

  it('a change to the service runtime affects every service', () => {
    expect(affectedApps('libs/service-kit/src/index.ts')).toEqual(['catalog-api', 'checkout-api', 'storefront']);
  }, 60_000);

  it('a change inside one app affects only that app', () => {
    expect(affectedApps('apps/catalog-api/src/main.ts')).toEqual(['catalog-api']);
    expect(affectedApps('apps/storefront/src/main.ts')).toEqual(['storefront']);
  }, 60_000);

  it('a docs-only change affects no app', () => {
    expect(affectedApps('README.md')).toEqual([]);
  }, 60_000);
});

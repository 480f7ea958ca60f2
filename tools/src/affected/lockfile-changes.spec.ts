import { describeChange, parseLockfile, runtimeClosure, runtimeDependencyChanges } from './lockfile-changes';
import { compareLockfiles } from './lockfile-verdict';

type Packages = Record<string, Record<string, unknown>>;

/** A small npm workspace lockfile: two apps, a lib both use, hoisted and nested packages. */
function lockfile(overrides: Packages = {}): ReturnType<typeof parseLockfile> {
  const packages: Packages = {
    '': { name: 'root', workspaces: ['apps/*', 'libs/*'], devDependencies: { jest: '30.0.0' } },
    'apps/api': { name: '@x/api', dependencies: { '@x/kit': '0.1.0', express: '5.0.0' }, devDependencies: { supertest: '7.0.0' } },
    'apps/web': { name: '@x/web', dependencies: { '@x/kit': '0.1.0', undici: '8.0.0' } },
    'libs/kit': { name: '@x/kit', dependencies: { pino: '10.0.0' } },
    'node_modules/@x/api': { resolved: 'apps/api', link: true },
    'node_modules/@x/web': { resolved: 'apps/web', link: true },
    'node_modules/@x/kit': { resolved: 'libs/kit', link: true },
    'node_modules/express': { version: '5.0.0', integrity: 'sha512-express5', dependencies: { debug: '^4.0.0', qs: '^6.0.0' } },
    'node_modules/express/node_modules/qs': { version: '6.14.0', integrity: 'sha512-qs614' },
    'node_modules/qs': { version: '6.5.0', integrity: 'sha512-qs65' },
    'node_modules/debug': { version: '4.4.0', integrity: 'sha512-debug', dependencies: { ms: '^2.1.3' } },
    'node_modules/ms': { version: '2.1.3', integrity: 'sha512-ms' },
    'node_modules/pino': { version: '10.0.0', integrity: 'sha512-pino', optionalDependencies: { 'pino-pretty': '*' }, peerDependencies: { missing: '*' } },
    'node_modules/pino-pretty': { version: '13.0.0', integrity: 'sha512-pretty', optional: true },
    'node_modules/undici': { version: '8.0.0', integrity: 'sha512-undici' },
    'node_modules/supertest': { version: '7.0.0', integrity: 'sha512-supertest', dev: true, dependencies: { qs: '^6.5.0' } },
    'node_modules/jest': { version: '30.0.0', integrity: 'sha512-jest', dev: true },
    ...overrides,
  };
  return parseLockfile(JSON.stringify({ name: 'root', lockfileVersion: 3, requires: true, packages }));
}

const names = (closure: ReturnType<typeof runtimeClosure>) => [...closure.values()].map((p) => `${p.name}@${p.version}`).sort();

describe('runtimeClosure', () => {
  it("follows dependencies with Node's lookup (nested before hoisted), through workspace links, never devDependencies", () => {
    expect(names(runtimeClosure(lockfile(), 'apps/api'))).toEqual([
      'debug@4.4.0',
      'express@5.0.0',
      'ms@2.1.3',
      'pino-pretty@13.0.0',
      'pino@10.0.0',
      'qs@6.14.0',
    ]);
    expect(names(runtimeClosure(lockfile(), 'apps/web'))).toEqual(['pino-pretty@13.0.0', 'pino@10.0.0', 'undici@8.0.0']);
  });

  it('rejects a workspace that is not in the lockfile', () => {
    expect(() => runtimeClosure(lockfile(), 'apps/none')).toThrow('the lockfile has no entry for workspace "apps/none"');
  });

  it('rejects lockfile version 1', () => {
    expect(() => parseLockfile(JSON.stringify({ lockfileVersion: 1, packages: {} }))).toThrow('lockfileVersion: lockfileVersion 1 has no "packages" map');
  });
});

describe('runtimeDependencyChanges', () => {
  it('a transitive bump reaches only the apps that ship it', () => {
    const after = lockfile({ 'node_modules/ms': { version: '2.1.4', integrity: 'sha512-ms214' } });
    expect(runtimeDependencyChanges(lockfile(), after, 'apps/api')).toEqual([{ name: 'ms', before: ['2.1.3'], after: ['2.1.4'] }]);
    expect(runtimeDependencyChanges(lockfile(), after, 'apps/web')).toEqual([]);
  });

  it("a bump in a library's dependency reaches every app using the library", () => {
    const after = lockfile({
      'node_modules/pino': { version: '10.1.0', integrity: 'sha512-pino101', optionalDependencies: { 'pino-pretty': '*' } },
    });
    expect(runtimeDependencyChanges(lockfile(), after, 'apps/api').map(describeChange)).toEqual(['pino 10.0.0 → 10.1.0']);
    expect(runtimeDependencyChanges(lockfile(), after, 'apps/web').map(describeChange)).toEqual(['pino 10.0.0 → 10.1.0']);
  });

  it('a devDependency change reaches no app, even when it shares a name with a runtime package elsewhere in the tree', () => {
    const after = lockfile({
      'node_modules/jest': { version: '30.1.0', integrity: 'sha512-jest301', dev: true },
      'node_modules/supertest': { version: '7.1.0', integrity: 'sha512-st71', dev: true, dependencies: { qs: '^6.5.0' } },
      'node_modules/qs': { version: '6.6.0', integrity: 'sha512-qs66' },
    });
    expect(runtimeDependencyChanges(lockfile(), after, 'apps/api')).toEqual([]);
    expect(runtimeDependencyChanges(lockfile(), after, 'apps/web')).toEqual([]);
  });

  it('a same-version re-resolution (integrity changed) counts', () => {
    const after = lockfile({ 'node_modules/undici': { version: '8.0.0', integrity: 'sha512-republished' } });
    const changes = runtimeDependencyChanges(lockfile(), after, 'apps/web');
    expect(changes.map(describeChange)).toEqual(['undici 8.0.0 (re-resolved: integrity changed)']);
  });

  it('added and removed packages are changes', () => {
    const after = lockfile({
      'apps/web': { name: '@x/web', dependencies: { '@x/kit': '0.1.0', undici: '8.0.0', zod: '4.0.0' } },
      'node_modules/zod': { version: '4.0.0', integrity: 'sha512-zod' },
      'libs/kit': { name: '@x/kit', dependencies: {} },
    });
    expect(runtimeDependencyChanges(lockfile(), after, 'apps/web').map(describeChange)).toEqual([
      'pino 10.0.0 → (none)',
      'pino-pretty 13.0.0 → (none)',
      'zod (none) → 4.0.0',
    ]);
  });
});

describe('compareLockfiles', () => {
  const apps = [
    { name: 'api', root: 'apps/api' },
    { name: 'web', root: 'apps/web' },
  ];
  const text = (lock: ReturnType<typeof lockfile>) => JSON.stringify(lock);

  it('compares per app when both sides are readable', () => {
    const verdict = compareLockfiles({ before: text(lockfile()), after: text(lockfile({ 'node_modules/undici': { version: '8.1.0', integrity: 'x' } })) }, apps);
    expect(verdict.kind).toBe('compared');
    expect(verdict.kind === 'compared' && Object.fromEntries([...verdict.changesByApp].map(([app, c]) => [app, c.length]))).toEqual({ api: 0, web: 1 });
  });

  it.each([
    [{ before: null, after: '{}' }, 'there is no base revision of it to compare with'],
    [{ before: '{}', after: null }, 'it was deleted'],
    [{ before: 'not json', after: '{}' }, 'it could not be read'],
  ])('is unknown (so every app counts) when %j', (sides, because) => {
    const verdict = compareLockfiles(sides, apps);
    expect(verdict.kind).toBe('unknown');
    expect(verdict.kind === 'unknown' && verdict.because).toContain(because);
  });

  it('is unknown when an app is not an npm workspace', () => {
    const verdict = compareLockfiles({ before: text(lockfile()), after: text(lockfile()) }, [...apps, { name: 'go-svc', root: 'apps/go-svc' }]);
    expect(verdict).toEqual({ kind: 'unknown', because: 'apps/go-svc has no entry in it (not an npm workspace), so its dependencies are unknown' });
  });
});

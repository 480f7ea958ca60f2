import fs from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '../workspace/root';
import {
  cacheContentPath,
  imageManifest,
  libraryClosure,
  libraryManifest,
  type Lockfile,
  lockedTarballs,
  type PackageManifest,
  pruneLockfile,
  registryTarballUrl,
  stripSourceCondition,
  verifyPrunedLockfile,
  type WorkspacePackage,
} from './prune';

const sha = (char: string) => `sha512-${Buffer.alloc(64, char).toString('base64')}`;

/** A small workspace: api → kit → contracts; jest is a root dev dependency; kit pins an older `ms`. */
function fixture() {
  const api: PackageManifest = {
    name: '@acme/api',
    version: '1.2.0',
    type: 'commonjs',
    main: './dist/main.js',
    dependencies: { '@acme/kit': '0.1.0', express: '5.0.0' },
  };
  const kit: PackageManifest = {
    name: '@acme/kit',
    version: '0.1.0',
    main: './dist/index.js',
    exports: { '.': { '@shipyard/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } },
    dependencies: { '@acme/contracts': '0.1.0', ms: '1.0.0' },
  };
  const contracts: PackageManifest = { name: '@acme/contracts', version: '0.1.0', dependencies: { zod: '4.0.0' } };
  const workspace = new Map<string, WorkspacePackage>([
    ['@acme/api', { name: '@acme/api', location: 'apps/api', manifest: api }],
    ['@acme/kit', { name: '@acme/kit', location: 'libs/kit', manifest: kit }],
    ['@acme/contracts', { name: '@acme/contracts', location: 'libs/contracts', manifest: contracts }],
  ]);
  const rootLock: Lockfile = {
    name: 'acme',
    lockfileVersion: 3,
    packages: {
      '': { name: 'acme', workspaces: ['apps/*', 'libs/*'], devDependencies: { jest: '30.0.0' } },
      'apps/api': { name: '@acme/api', version: '1.2.0', dependencies: api.dependencies },
      'libs/kit': { name: '@acme/kit', version: '0.1.0', dependencies: kit.dependencies, devDependencies: { jest: '30.0.0' } },
      'libs/kit/node_modules/ms': { version: '1.0.0', integrity: sha('a') },
      'libs/contracts': { name: '@acme/contracts', version: '0.1.0', dependencies: contracts.dependencies },
      'node_modules/@acme/api': { resolved: 'apps/api', link: true },
      'node_modules/@acme/kit': { resolved: 'libs/kit', link: true },
      'node_modules/@acme/contracts': { resolved: 'libs/contracts', link: true },
      'node_modules/express': { version: '5.0.0', integrity: sha('b'), dependencies: { ms: '^2.0.0', debug: '^4.0.0' } },
      'node_modules/debug': { version: '4.4.0', integrity: sha('c'), dependencies: { ms: '^2.1.3' }, peerDependenciesMeta: { 'supports-color': { optional: true } }, peerDependencies: { 'supports-color': '*' } },
      'node_modules/ms': { version: '2.1.3', integrity: sha('d') },
      'node_modules/zod': { version: '4.0.0', integrity: sha('e') },
      'node_modules/jest': { version: '30.0.0', integrity: sha('f'), dev: true, dependencies: { typescript: '5.9.3' } },
      'node_modules/typescript': { version: '5.9.3', integrity: sha('0'), dev: true },
    },
  };
  return { api, kit, contracts, workspace, rootLock };
}

function prunedFixture() {
  const { api, workspace, rootLock } = fixture();
  const libraries = libraryClosure(api, workspace);
  const manifest = imageManifest(api, libraries);
  const appPackage = workspace.get('@acme/api') as WorkspacePackage;
  return { manifest, libraries, lock: pruneLockfile(rootLock, appPackage, libraries, manifest) };
}

describe('libraryClosure', () => {
  it('follows declared dependencies through workspace libraries, transitively', () => {
    const { api, workspace } = fixture();
    expect(libraryClosure(api, workspace).map((l) => l.name)).toEqual(['@acme/contracts', '@acme/kit']);
  });

  it('ships no library the app does not declare', () => {
    const { workspace } = fixture();
    const lonely: PackageManifest = { name: '@acme/lonely', version: '1.0.0', dependencies: { express: '5.0.0' } };
    expect(libraryClosure(lonely, workspace)).toEqual([]);
  });
});

describe('imageManifest', () => {
  it('keeps the app identity and external dependencies and installs every library of the closure from workspace_modules', () => {
    const { manifest } = prunedFixture();
    expect(manifest).toEqual({
      name: '@acme/api',
      version: '1.2.0',
      private: true,
      type: 'commonjs',
      main: './dist/main.js',
      dependencies: {
        '@acme/contracts': 'file:./workspace_modules/@acme/contracts',
        '@acme/kit': 'file:./workspace_modules/@acme/kit',
        express: '5.0.0',
      },
    });
  });
});

describe('libraryManifest', () => {
  it('drops the source condition, scripts and tooling fields', () => {
    const { kit } = fixture();
    const shipped = libraryManifest({ ...kit, files: ['dist'], ...({ scripts: { build: 'tsc' }, nx: { name: 'kit' } } as object) });
    expect(shipped).toEqual({
      name: '@acme/kit',
      version: '0.1.0',
      private: true,
      main: './dist/index.js',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      dependencies: { '@acme/contracts': '0.1.0', ms: '1.0.0' },
    });
  });

  it('strips the condition at any depth and leaves plain strings alone', () => {
    expect(stripSourceCondition({ './a': { node: { '@shipyard/source': 'x.ts', default: 'x.js' } } })).toEqual({ './a': { node: { default: 'x.js' } } });
    expect(stripSourceCondition('./dist/index.js')).toBe('./dist/index.js');
  });
});

describe('pruneLockfile', () => {
  it('keeps exactly the production closure, laid out as in the image', () => {
    const { lock } = prunedFixture();
    expect(Object.keys(lock.packages)).toEqual([
      '',
      'node_modules/@acme/contracts',
      'node_modules/@acme/kit',
      'node_modules/debug',
      'node_modules/express',
      'node_modules/ms',
      'node_modules/zod',
      'workspace_modules/@acme/contracts',
      'workspace_modules/@acme/kit',
      'workspace_modules/@acme/kit/node_modules/ms',
    ]);
  });

  it('never carries dev-only packages', () => {
    const { lock } = prunedFixture();
    const names = Object.keys(lock.packages).join(' ');
    expect(names).not.toMatch(/jest|typescript/);
    expect(Object.values(lock.packages).some((entry) => entry.dev)).toBe(false);
  });

  it('links libraries to workspace_modules and records the version each one declares', () => {
    const { lock } = prunedFixture();
    expect(lock.packages['node_modules/@acme/kit']).toEqual({ resolved: 'workspace_modules/@acme/kit', link: true });
    expect(lock.packages['workspace_modules/@acme/kit']).toEqual({
      name: '@acme/kit',
      version: '0.1.0',
      dependencies: { '@acme/contracts': '0.1.0', ms: '1.0.0' },
    });
  });

  it('adds registry tarball URLs, which offline installs need', () => {
    const { lock } = prunedFixture();
    expect(lock.packages['node_modules/express'].resolved).toBe('https://registry.npmjs.org/express/-/express-5.0.0.tgz');
    expect(lock.packages['workspace_modules/@acme/kit/node_modules/ms'].resolved).toBe('https://registry.npmjs.org/ms/-/ms-1.0.0.tgz');
  });

  it('declares the same root dependencies as the manifest (npm ci checks they agree)', () => {
    const { lock, manifest } = prunedFixture();
    expect(lock.packages[''].dependencies).toEqual(manifest.dependencies);
    expect(lock.name).toBe('@acme/api');
  });

  it('fails, naming the package, when the workspace lockfile lacks a declared dependency', () => {
    const { api, workspace, rootLock } = fixture();
    delete rootLock.packages['node_modules/zod'];
    const libraries = libraryClosure(api, workspace);
    expect(() => pruneLockfile(rootLock, workspace.get('@acme/api') as WorkspacePackage, libraries, imageManifest(api, libraries))).toThrow(/zod/);
  });

  it('fails when the app and a library would need two versions at the same place', () => {
    const { api, workspace, rootLock } = fixture();
    rootLock.packages['apps/api/node_modules/zod'] = { version: '3.0.0', integrity: sha('9') };
    (api.dependencies as Record<string, string>).zod = '3.0.0';
    const libraries = libraryClosure(api, workspace);
    expect(() => pruneLockfile(rootLock, workspace.get('@acme/api') as WorkspacePackage, libraries, imageManifest(api, libraries))).toThrow(
      /different versions of zod/,
    );
  });
});

describe('verifyPrunedLockfile', () => {
  it('accepts a pruned lockfile and lists what it installs', () => {
    const { lock, manifest } = prunedFixture();
    expect(verifyPrunedLockfile(lock, manifest)).toContain('workspace_modules/@acme/kit/node_modules/ms');
  });

  it('rejects entries nothing uses (e.g. a whole workspace lockfile)', () => {
    const { lock, manifest } = prunedFixture();
    lock.packages['node_modules/jest'] = { version: '30.0.0', integrity: sha('f') };
    expect(() => verifyPrunedLockfile(lock, manifest)).toThrow(/not used by @acme\/api: node_modules\/jest/);
  });

  it('rejects a dependency that does not resolve', () => {
    const { lock, manifest } = prunedFixture();
    delete lock.packages['node_modules/debug'];
    expect(() => verifyPrunedLockfile(lock, manifest)).toThrow(/missing: debug \(needed by node_modules\/express\)/);
  });

  it('tolerates an absent optional peer', () => {
    const { lock, manifest } = prunedFixture();
    expect(lock.packages['node_modules/supports-color']).toBeUndefined();
    expect(() => verifyPrunedLockfile(lock, manifest)).not.toThrow();
  });
});

describe('npm cache addressing', () => {
  it('builds scoped and unscoped registry tarball URLs', () => {
    expect(registryTarballUrl('@azure/core-util', '1.2.3')).toBe('https://registry.npmjs.org/@azure/core-util/-/core-util-1.2.3.tgz');
    expect(registryTarballUrl('zod', '4.0.0', 'https://mirror.example/npm/')).toBe('https://mirror.example/npm/zod/-/zod-4.0.0.tgz');
  });

  it('finds content under the strongest hash of an integrity string', () => {
    const sha1 = `sha1-${Buffer.alloc(20, 1).toString('base64')}`;
    const sha512 = `sha512-${Buffer.alloc(64, 0xab).toString('base64')}`;
    expect(cacheContentPath(`${sha1} ${sha512}`)).toBe(`_cacache/content-v2/sha512/ab/ab/${'ab'.repeat(62)}`);
    expect(cacheContentPath(sha1)).toBe(`_cacache/content-v2/sha1/01/01/${'01'.repeat(18)}`);
  });

  it('lists every registry tarball of a lockfile, not links or workspace packages', () => {
    const { lock } = prunedFixture();
    expect(lockedTarballs(lock).map((t) => `${t.name}@${t.version}`).sort()).toEqual(['debug@4.4.0', 'express@5.0.0', 'ms@1.0.0', 'ms@2.1.3', 'zod@4.0.0']);
    expect(lockedTarballs(lock).every((t) => !t.optional)).toBe(true);
  });
});

describe('the real workspace', () => {
  const rootLock = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package-lock.json'), 'utf8')) as Lockfile;
  const workspace = new Map<string, WorkspacePackage>();
  for (const folder of ['apps', 'libs']) {
    for (const entry of fs.readdirSync(path.join(workspaceRoot, folder))) {
      const file = path.join(workspaceRoot, folder, entry, 'package.json');
      if (!fs.existsSync(file)) continue;
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageManifest & { nx?: { targets?: Record<string, unknown> } };
      workspace.set(manifest.name, { name: manifest.name, location: `${folder}/${entry}`, manifest });
    }
  }
  const apps = [...workspace.values()].filter((p) => (p.manifest as { nx?: { targets?: Record<string, unknown> } }).nx?.targets?.['docker-build']);

  it('has apps with a docker-build target', () => {
    expect(apps.length).toBeGreaterThanOrEqual(3);
  });

  it.each(apps.map((app) => [app.name, app] as const))('%s prunes to a closure without dev tooling', (_name, app) => {
    const libraries = libraryClosure(app.manifest, workspace);
    const manifest = imageManifest(app.manifest, libraries);
    const lock = pruneLockfile(rootLock, app, libraries, manifest);
    verifyPrunedLockfile(lock, manifest);
    const installed = Object.keys(lock.packages).map((location) => location.replace(/^.*node_modules\//, ''));
    for (const devOnly of ['jest', 'typescript', 'nx', 'ts-jest', 'eslint', 'tsx', '@nx/devkit', '@nx/js']) {
      expect(installed).not.toContain(devOnly);
    }
    expect(installed.some((name) => name.startsWith('@nx/'))).toBe(false);
  });
});

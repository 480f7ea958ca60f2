import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nonNodeDirectories, pruneNodeModules, targetDirectory } from '../../docker/prune-node-modules.cjs';

describe('targetDirectory', () => {
  it.each([
    ['./dist/esm/index.js', 'dist/esm'],
    ['build/src/index.js', 'build/src'],
    ['esm/index.mjs', 'esm'],
    ['./index.js', null],
    ['../escape/x.js', null],
  ])('%s → %s', (target, expected) => {
    expect(targetDirectory(target)).toBe(expected);
  });
});

describe('nonNodeDirectories', () => {
  it('without an exports map: module/esnext/browser targets go, main stays', () => {
    expect(
      nonNodeDirectories({ main: 'build/src/index.js', module: 'build/esm/index.js', esnext: 'build/esnext/index.js', browser: 'build/browser/index.js' }).sort(),
    ).toEqual(['build/browser', 'build/esm', 'build/esnext']);
  });

  it('never removes the folder main lives in, or one inside it', () => {
    expect(nonNodeDirectories({ main: 'dist/index.js', module: 'dist/index.mjs' })).toEqual([]);
    expect(nonNodeDirectories({ main: 'lib/index.js', module: 'lib/esm/index.js' })).toEqual([]);
  });

  it('with an exports map: only folders no Node condition (node, import, require, default) reaches', () => {
    const manifest = {
      main: './dist/commonjs/index.js',
      module: './dist/esm/index.js',
      exports: {
        '.': {
          browser: { types: './dist/browser/index.d.ts', default: './dist/browser/index.js' },
          'react-native': './dist/react-native/index.js',
          workerd: './dist/workerd/index.js',
          import: './dist/esm/index.js',
          require: './dist/commonjs/index.js',
        },
        './package.json': './package.json',
      },
    };
    expect(nonNodeDirectories(manifest).sort()).toEqual(['dist/browser', 'dist/react-native', 'dist/workerd']);
  });

  it('keeps a folder that a Node condition also reaches', () => {
    expect(nonNodeDirectories({ exports: { browser: './dist/shared/b.js', default: './dist/shared/n.js' } })).toEqual([]);
  });

  it('ignores a browser field that maps files (an object)', () => {
    expect(nonNodeDirectories({ main: 'index.js', browser: { './node.js': './browser.js' } })).toEqual([]);
  });
});

describe('pruneNodeModules', () => {
  let root: string;
  const write = (relative: string, content = 'x') => {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), content);
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-prune-'));
    write('dual/package.json', JSON.stringify({ name: 'dual', main: 'build/src/index.js', module: 'build/esm/index.js' }));
    write('dual/build/src/index.js', 'module.exports = 1;');
    write('dual/build/esm/index.js', 'export default 1;');
    write('dual/README.md');
    write('dual/LICENSE.md');
    write('dual/build/src/index.d.ts');
    write('dual/build/src/index.js.map');
    write('dual/.npmrc-feed', 'registry=https://example.invalid/');
    write('deep/package.json', JSON.stringify({ name: 'deep', main: 'cjs/index.js', module: 'esm/index.js' }));
    write('deep/cjs/index.js', 'module.exports = 2;');
    write('deep/esm/index.js', 'export default 2;');
    write('@scope/user/package.json', JSON.stringify({ name: '@scope/user', main: 'index.js' }));
    write('@scope/user/index.js', "module.exports = require('deep/esm/index.js');");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('removes bundler-only builds and files Node never loads, keeping code, licences and deep-imported folders', () => {
    const result = pruneNodeModules(root);
    expect(fs.existsSync(path.join(root, 'dual/build/esm'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'dual/build/src/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dual/README.md'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'dual/LICENSE.md'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dual/build/src/index.d.ts'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'dual/build/src/index.js.map'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'dual/.npmrc-feed'))).toBe(false);
    // Another package requires deep/esm/…: it stays.
    expect(fs.existsSync(path.join(root, 'deep/esm/index.js'))).toBe(true);
    expect(result).toMatchObject({ removedDirectories: 1, removedFiles: 4 });
  });
});

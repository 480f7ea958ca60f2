import { mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mirrorNodeModules } from './clone';

describe('mirrorNodeModules', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'shipyard-mirror-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("links every package to the original, but the workspace's own packages into the clone", () => {
    const original = path.join(root, 'original');
    const clone = path.join(root, 'clone');
    for (const tree of [original, clone]) mkdirSync(path.join(tree, 'libs', 'contracts'), { recursive: true });
    writeFileSync(path.join(clone, 'libs', 'contracts', 'package.json'), '{"name":"@shipyard/contracts"}');
    const modules = path.join(original, 'node_modules');
    mkdirSync(path.join(modules, '@shipyard'), { recursive: true });
    symlinkSync('../../libs/contracts', path.join(modules, '@shipyard', 'contracts'));
    mkdirSync(path.join(modules, '@azure', 'identity'), { recursive: true });
    mkdirSync(path.join(modules, 'express'));
    mkdirSync(path.join(modules, '.bin'));

    mirrorNodeModules(modules, path.join(clone, 'node_modules'));

    const mirrored = path.join(clone, 'node_modules');
    expect(realpathSync(path.join(mirrored, '@shipyard', 'contracts'))).toBe(realpathSync(path.join(clone, 'libs', 'contracts')));
    expect(readlinkSync(path.join(mirrored, '@azure', 'identity'))).toBe(path.join(modules, '@azure', 'identity'));
    expect(readlinkSync(path.join(mirrored, 'express'))).toBe(path.join(modules, 'express'));
    expect(readlinkSync(path.join(mirrored, '.bin'))).toBe(path.join(modules, '.bin'));
  });
});

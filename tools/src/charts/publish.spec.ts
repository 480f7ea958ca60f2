import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { caBundle, chartReference, commitChartVersion, parsePushDigest, readChartsFile, writeChartsFile } from './publish';

const sha = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const digest = `sha256:${'c'.repeat(64)}`;

describe('chart versions and references', () => {
  it('adds the short sha as a prerelease part, never as +build metadata (OCI tags cannot hold +)', () => {
    expect(commitChartVersion('0.1.0', sha)).toBe('0.1.0-1a2b3c4d5e6f');
    expect(commitChartVersion('1.2.0-rc.1', sha)).toBe('1.2.0-rc.1.1a2b3c4d5e6f');
    expect(commitChartVersion('0.1.0+local', sha)).toBe('0.1.0-1a2b3c4d5e6f');
    expect(() => commitChartVersion('0.1.0', 'abc')).toThrow('--sha "abc" must be a full 40-character git commit sha');
  });

  it('installs by digest from oci://<registry>/helm/<chart>', () => {
    expect(chartReference('127.0.0.1:5000', { repository: 'helm/catalog-api', version: '0.1.0-1a2b3c4d5e6f', digest })).toBe(`oci://127.0.0.1:5000/helm/catalog-api@${digest}`);
  });

  it('reads the digest helm push prints, and fails when there is none', () => {
    expect(parsePushDigest(`Pushed: 127.0.0.1:5000/helm/catalog-api:0.1.0-1a2b3c4d5e6f\nDigest: ${digest}\n`)).toBe(digest);
    expect(() => parsePushDigest('Error: unauthorized')).toThrow(/helm push printed no digest:\nError: unauthorized/);
  });
});

describe('the charts file and the CA bundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-publish-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds each job\'s charts to the file, sorted, and rejects an entry that is not a pushed chart', () => {
    const file = path.join(dir, 'dist', 'charts.json');
    writeChartsFile(file, { storefront: { repository: 'helm/storefront', version: '0.1.0-1a2b3c4d5e6f', digest } });
    writeChartsFile(file, { 'catalog-api': { repository: 'helm/catalog-api', version: '0.1.0-1a2b3c4d5e6f', digest } });
    expect(Object.keys(readChartsFile(file))).toEqual(['catalog-api', 'storefront']);
    writeFileSync(file, JSON.stringify({ web: { repository: 'oci://x/helm/web', version: '1', digest: 'sha256:abc' } }));
    expect(() => readChartsFile(file)).toThrow(/web.repository: must be a repository path without registry host[\s\S]*web.digest: must be sha256:/);
  });

  it('hands helm one --ca-file: several certificates become one bundle', () => {
    const [a, b] = ['a.pem', 'b.pem'].map((name) => path.join(dir, name));
    writeFileSync(a, 'A\n');
    writeFileSync(b, 'B\n');
    expect(caBundle([], dir)).toBeUndefined();
    expect(caBundle([a], dir)).toBe(a);
    expect(readFileSync(caBundle([a, b], dir) as string, 'utf8')).toBe('A\nB\n');
  });
});

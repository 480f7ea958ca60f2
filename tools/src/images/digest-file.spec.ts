import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageRecord, mergeDigestFile, readDigestFile, updateDigestFile } from './digest-file';

const digest = (char: string) => `sha256:${char.repeat(64)}`;
const record = (app: string, char: string) => imageRecord(`127.0.0.1:5000/${app}`, 'abc', digest(char));

describe('image records', () => {
  it('reference the repository by digest', () => {
    expect(record('catalog-api', 'a')).toEqual({
      repository: '127.0.0.1:5000/catalog-api',
      tag: 'abc',
      digest: digest('a'),
      reference: `127.0.0.1:5000/catalog-api@${digest('a')}`,
    });
  });

  it('refuse a digest that is not sha256', () => {
    expect(() => imageRecord('r/app', 'abc', 'sha256:xyz')).toThrow();
  });
});

describe('mergeDigestFile', () => {
  it('keeps other apps and replaces the pushed ones, keys sorted', () => {
    const existing = { storefront: record('storefront', 'a'), 'catalog-api': record('catalog-api', 'b') };
    const merged = mergeDigestFile(existing, { 'catalog-api': record('catalog-api', 'c'), 'checkout-api': record('checkout-api', 'd') });
    expect(Object.keys(merged)).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(merged['catalog-api'].digest).toBe(digest('c'));
    expect(merged.storefront.digest).toBe(digest('a'));
  });

  it('starts from nothing when there is no file yet', () => {
    expect(mergeDigestFile(undefined, { 'catalog-api': record('catalog-api', 'a') })).toEqual({ 'catalog-api': record('catalog-api', 'a') });
  });

  it('refuses to merge into a file that is not a digest file', () => {
    expect(() => mergeDigestFile({ 'catalog-api': { tag: 'x' } }, {})).toThrow(/not valid.*catalog-api/);
    expect(() => mergeDigestFile([1, 2], {})).toThrow(/not valid/);
  });
});

describe('updateDigestFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-digests-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the merged file and leaves no lock or temporary file behind', async () => {
    const file = path.join(dir, 'dist', 'images.json');
    await updateDigestFile(file, { storefront: record('storefront', 'a') });
    await updateDigestFile(file, { 'catalog-api': record('catalog-api', 'b') });
    expect(Object.keys(readDigestFile(file))).toEqual(['catalog-api', 'storefront']);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['images.json']);
  });

  it('loses no entry when several pushes record at once', async () => {
    const file = path.join(dir, 'images.json');
    const apps = ['a-api', 'b-api', 'c-api', 'd-api', 'e-api', 'f-api'];
    await Promise.all(apps.map((app, i) => updateDigestFile(file, { [app]: record(app, String(i)) })));
    expect(Object.keys(readDigestFile(file))).toEqual(apps);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageFor, readDigestFile } from '../images/digest-file';
import { imageSetArgs } from './digests';

const digest = `sha256:${'b'.repeat(64)}`;
const entry = { repository: '127.0.0.1:5000/catalog-api', tag: 'abc123', digest, reference: `127.0.0.1:5000/catalog-api@${digest}` };

describe('the image step digest file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-digests-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(content: unknown): string {
    const file = path.join(dir, 'images.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('reads entries and turns one into helm --set-string arguments', () => {
    const file = write({ 'catalog-api': entry });
    const image = imageFor(readDigestFile(file), 'catalog-api', file);
    expect(imageSetArgs(image)).toEqual([
      '--set-string',
      'service.image.repository=127.0.0.1:5000/catalog-api',
      '--set-string',
      'service.image.tag=abc123',
      '--set-string',
      `service.image.digest=${digest}`,
    ]);
  });

  it('rejects a missing file, bad JSON, a malformed digest, a reference that does not match, and an absent service', () => {
    expect(() => readDigestFile(path.join(dir, 'nope.json'))).toThrow(/does not exist/);
    expect(() => readDigestFile(write('{'))).toThrow(/is not JSON/);
    expect(() => readDigestFile(write({ 'catalog-api': { ...entry, digest: 'sha256:short', reference: '127.0.0.1:5000/catalog-api@sha256:short' } }))).toThrow(/catalog-api.digest: expected sha256:/);
    expect(() => readDigestFile(write({ 'catalog-api': { ...entry, reference: '127.0.0.1:5000/other@' + digest } }))).toThrow(/reference must be <repository>@<digest>/);
    const file = write({ 'catalog-api': entry });
    expect(() => imageFor(readDigestFile(file), 'storefront', file)).toThrow(/has no image for storefront \(it has: catalog-api\)/);
  });
});

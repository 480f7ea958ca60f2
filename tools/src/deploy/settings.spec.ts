import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helmCaFile } from './settings';

describe('the --ca-file helm pulls charts with', () => {
  let dir: string;
  const saved = { cache: process.env.SHIPYARD_CACHE, ca: process.env.SHIPYARD_REGISTRY_CA };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-helm-ca-'));
    process.env.SHIPYARD_CACHE = path.join(dir, 'cache');
    process.env.SHIPYARD_REGISTRY_CA = '';
    writeFileSync(path.join(dir, 'a.pem'), 'CERT A\n');
    writeFileSync(path.join(dir, 'b.pem'), 'CERT B\n');
  });
  afterEach(() => {
    // Assigning undefined would store the string "undefined".
    for (const [name, value] of [['SHIPYARD_CACHE', saved.cache], ['SHIPYARD_REGISTRY_CA', saved.ca]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is none for a registry with a publicly trusted certificate, the one file given, or one bundle of several (reused)', () => {
    expect(helmCaFile('acrshipyard.azurecr.io', [])).toBeUndefined();
    expect(helmCaFile('127.0.0.1:5000', [path.join(dir, 'a.pem')])).toBe(path.join(dir, 'a.pem'));
    const bundle = helmCaFile('127.0.0.1:5000', [path.join(dir, 'a.pem'), path.join(dir, 'b.pem')]);
    expect(bundle?.startsWith(path.join(dir, 'cache', 'helm-ca'))).toBe(true);
    expect(readFileSync(bundle as string, 'utf8')).toBe('CERT A\nCERT B\n');
    expect(helmCaFile('127.0.0.1:5000', [path.join(dir, 'a.pem'), path.join(dir, 'b.pem')])).toBe(bundle);
  });
});

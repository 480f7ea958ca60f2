import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { ensureRegistryCredential, htpasswdAccepts, registryCredential } from './registry-auth';
import { registryLayout } from './registry-settings';

describe("the local registry's login", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-registry-auth-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates one random credential (mode 0600) and its bcrypt line, then keeps both', () => {
    const layout = registryLayout(dir);
    const first = ensureRegistryCredential(layout);
    expect(first.created).toBe(true);
    expect(first.credential.username).toBe('shipyard');
    expect(first.credential.password).toMatch(/^[\w-]{32}$/);
    expect(fs.statSync(layout.credentialFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(layout.credentialFile)).mode & 0o777).toBe(0o700);
    const htpasswd = fs.readFileSync(layout.htpasswdFile, 'utf8');
    expect(htpasswdAccepts(htpasswd, first.credential)).toBe(true);
    expect(htpasswd).not.toContain(first.credential.password);

    const again = ensureRegistryCredential(layout);
    expect(again).toEqual({ credential: first.credential, created: false });
    expect(fs.readFileSync(layout.htpasswdFile, 'utf8')).toBe(htpasswd);
    expect(registryCredential(layout)).toEqual(first.credential);
    // Two machines (or two caches) never share a password.
    expect(ensureRegistryCredential(registryLayout(path.join(dir, 'other'))).credential.password).not.toBe(first.credential.password);
  });

  it('writes the htpasswd line again when it no longer matches the credential, and a damaged credential anew', () => {
    const layout = registryLayout(dir);
    const { credential } = ensureRegistryCredential(layout);
    fs.writeFileSync(layout.htpasswdFile, `shipyard:${bcrypt.hashSync('something else', 4)}\n`);
    ensureRegistryCredential(layout);
    expect(htpasswdAccepts(fs.readFileSync(layout.htpasswdFile, 'utf8'), credential)).toBe(true);

    fs.writeFileSync(layout.credentialFile, '{"username":"shipyard","password":"short"}');
    const renewed = ensureRegistryCredential(layout);
    expect(renewed.created).toBe(true);
    expect(htpasswdAccepts(fs.readFileSync(layout.htpasswdFile, 'utf8'), renewed.credential)).toBe(true);
  });

  it('accepts only one line, for that user, with a bcrypt hash of that password', () => {
    const credential = { username: 'shipyard', password: 'x'.repeat(32) };
    const line = `shipyard:${bcrypt.hashSync(credential.password, 4)}`;
    expect(htpasswdAccepts(`${line}\n`, credential)).toBe(true);
    expect(htpasswdAccepts(`${line}\nintruder:${bcrypt.hashSync('y', 4)}\n`, credential)).toBe(false);
    expect(htpasswdAccepts(line.replace('shipyard:', 'other:'), credential)).toBe(false);
    expect(htpasswdAccepts(`shipyard:{SHA}${Buffer.from('x').toString('base64')}`, credential)).toBe(false);
    expect(htpasswdAccepts(line, { ...credential, password: 'y'.repeat(32) })).toBe(false);
  });

  it('tells a client to start the registry when there is no credential yet', () => {
    expect(() => registryCredential(registryLayout(dir))).toThrow(/no credential .* `npx shipyard registry up`/);
  });
});

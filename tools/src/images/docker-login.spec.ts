import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { basicAuthorization, dockerConfigDir, dockerCredential } from './docker-login';

describe("Docker's registry login", () => {
  let dir: string;
  const env = () => ({ ...process.env, DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH ?? ''}` });
  const writeConfig = (config: unknown) => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-docker-login-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the config where the docker CLI does: DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/d' })).toBe('/d');
    expect(dockerConfigDir({ HOME: '/home/dev' })).toBe('/home/dev/.docker');
  });

  it("reads the registry's auths entry (user:password, base64), and only that registry's", async () => {
    writeConfig({ auths: { '127.0.0.1:5000': { auth: auth('shipyard', 'p:with:colons') }, 'other.azurecr.io': { auth: auth('x', 'y') } } });
    expect(await dockerCredential('127.0.0.1:5000', env())).toEqual({ username: 'shipyard', password: 'p:with:colons' });
    expect(await dockerCredential('127.0.0.1:5001', env())).toBeNull();
  });

  it('answers null with no config at all, and names a config that is not JSON', async () => {
    expect(await dockerCredential('127.0.0.1:5000', env())).toBeNull();
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    await expect(dockerCredential('127.0.0.1:5000', env())).rejects.toThrow(/config\.json is not valid JSON/);
  });

  it('asks the credential helper the config names for the registry (credHelpers before credsStore), registry on stdin', async () => {
    const helper = (name: string, user: string) =>
      fs.writeFileSync(
        path.join(dir, `docker-credential-${name}`),
        `#!/bin/sh\n[ "$1" = get ] || exit 2\nread server\n[ "$server" = 127.0.0.1:5000 ] || { echo "credentials not found in native keychain"; exit 1; }\necho '{"ServerURL":"'"$server"'","Username":"${user}","Secret":"s3cret"}'\n`,
        { mode: 0o755 },
      );
    helper('store', 'from-store');
    helper('pinned', 'from-helper');
    writeConfig({ credsStore: 'store', auths: { '127.0.0.1:5000': {} } });
    expect(await dockerCredential('127.0.0.1:5000', env())).toEqual({ username: 'from-store', password: 's3cret' });
    expect(await dockerCredential('127.0.0.1:5999', env())).toBeNull();
    writeConfig({ credsStore: 'store', credHelpers: { '127.0.0.1:5000': 'pinned' } });
    expect(await dockerCredential('127.0.0.1:5000', env())).toEqual({ username: 'from-helper', password: 's3cret' });
  });

  it('makes the Basic header of a credential', () => {
    expect(basicAuthorization({ username: 'shipyard', password: 'pw' })).toBe(`Basic ${Buffer.from('shipyard:pw').toString('base64')}`);
  });
});

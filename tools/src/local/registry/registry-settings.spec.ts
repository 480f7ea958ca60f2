import { parse } from 'yaml';
import { parseRegistryAddress, registryLayout, registryUrl, renderRegistryConfig } from './registry-settings';

describe('registry address', () => {
  it('parses a loopback ip:port', () => {
    expect(parseRegistryAddress('127.0.0.1:5000')).toEqual({ host: '127.0.0.1', port: 5000, hostPort: '127.0.0.1:5000' });
    expect(registryUrl(parseRegistryAddress('127.0.0.2:5443'))).toBe('https://127.0.0.2:5443');
  });

  it.each([
    ['0.0.0.0:5000', /loopback/],
    ['10.1.2.3:5000', /loopback/],
    ['localhost:5000', /look like/],
    ['127.0.0.1', /look like/],
    ['127.0.0.1:70000', /outside/],
  ])('refuses %s', (value, message) => {
    expect(() => parseRegistryAddress(value)).toThrow(message);
  });
});

describe('registry config', () => {
  const layout = registryLayout('/cache');
  const config = parse(renderRegistryConfig(parseRegistryAddress('127.0.0.1:5000'), layout)) as {
    storage: { filesystem: { rootdirectory: string }; delete: { enabled: boolean } };
    http: { addr: string; relativeurls: boolean; tls: { certificate: string; key: string } };
    auth?: { htpasswd?: { realm: string; path: string } };
  };

  it('keeps data, certificate and state under the cache folder', () => {
    expect(layout).toEqual({
      root: '/cache/registry',
      dataDir: '/cache/registry/data',
      certFile: '/cache/registry/tls/registry.crt',
      keyFile: '/cache/registry/tls/registry.key',
      configFile: '/cache/registry/config.yml',
      pidFile: '/cache/registry/registry.pid',
      logFile: '/cache/registry/registry.log',
      credentialFile: '/cache/registry/auth/credential.json',
      htpasswdFile: '/cache/registry/auth/htpasswd',
    });
    expect(config.storage.filesystem.rootdirectory).toBe('/cache/registry/data');
  });

  it('serves HTTPS on loopback with relative upload URLs and deletes enabled (what the Azure SDK needs)', () => {
    expect(config.http).toMatchObject({
      addr: '127.0.0.1:5000',
      relativeurls: true,
      tls: { certificate: layout.certFile, key: layout.keyFile },
    });
    expect(config.storage.delete.enabled).toBe(true);
  });

  it('asks every request to sign in against the htpasswd file beside the credential', () => {
    expect(config.auth).toEqual({ htpasswd: { realm: 'shipyard-registry', path: layout.htpasswdFile } });
  });
});

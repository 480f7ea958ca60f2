import { HttpProblem } from '@shipyard/service-kit';
import { upstreamUrl } from './bff-proxy';

describe('upstreamUrl', () => {
  const base = new URL('http://127.0.0.1:3001');

  it('maps the path below the mount point onto the upstream, query included', () => {
    expect(upstreamUrl(base, '/products?category=tools&limit=5').href).toBe('http://127.0.0.1:3001/products?category=tools&limit=5');
    expect(upstreamUrl(base, '/products/hammer').href).toBe('http://127.0.0.1:3001/products/hammer');
  });

  it('keeps a path prefix of the base URL, with or without a trailing slash', () => {
    expect(upstreamUrl(new URL('http://gateway:80/catalog'), '/products').href).toBe('http://gateway/catalog/products');
    expect(upstreamUrl(new URL('http://gateway:80/catalog/'), '/products?x=1').href).toBe('http://gateway/catalog/products?x=1');
  });

  it.each(['/../healthz/ready', '/products/%2e%2e/x', '/products/%2E/x', '/a\\..\\b', '/products/..'])(
    'refuses dot segments and backslashes: %s',
    (path) => {
      expect(() => upstreamUrl(new URL('http://gateway/catalog'), path)).toThrow(HttpProblem);
    },
  );

  it('does not mistake names containing dots for dot segments', () => {
    expect(upstreamUrl(base, '/products/v1..2/...').pathname).toBe('/products/v1..2/...');
  });
});

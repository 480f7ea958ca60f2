import { imageName, immutableTag, validateAppName, validateMovingTag } from './image-tags';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('image tags', () => {
  it('tag a clean tree with the full commit sha', () => {
    expect(immutableTag({ sha, dirty: false })).toBe(sha);
  });

  it('mark a build from uncommitted changes, so it never takes the commit tag', () => {
    expect(immutableTag({ sha, dirty: true })).toBe(`${sha}-dirty`);
  });

  it('refuse an abbreviated or malformed sha', () => {
    expect(() => immutableTag({ sha: '0123456', dirty: false })).toThrow(/full git commit sha/);
  });

  it('name <registry>/<app>:<sha>, plus an optional moving tag', () => {
    expect(imageName('127.0.0.1:5000', 'catalog-api', { sha, dirty: false }, 'main')).toEqual({
      repository: '127.0.0.1:5000/catalog-api',
      tag: sha,
      reference: `127.0.0.1:5000/catalog-api:${sha}`,
      movingReference: '127.0.0.1:5000/catalog-api:main',
    });
    expect(imageName('myacr.azurecr.io', 'storefront', { sha, dirty: false }).movingReference).toBeNull();
  });

  it('keep sha-like names out of moving tags', () => {
    expect(() => validateMovingTag('0123abc')).toThrow(/reserved for immutable/);
    expect(() => validateMovingTag(`${sha}-dirty`)).toThrow(/reserved for immutable/);
    expect(validateMovingTag('latest')).toBe('latest');
    expect(validateMovingTag('release-2026.11')).toBe('release-2026.11');
  });

  it('refuse invalid tags and app names', () => {
    expect(() => validateMovingTag('-main')).toThrow(/not a valid image tag/);
    expect(() => validateMovingTag('a'.repeat(129))).toThrow(/not a valid image tag/);
    expect(() => validateAppName('Catalog_API')).toThrow(/kebab-case/);
  });
});

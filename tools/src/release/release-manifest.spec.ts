import { parseCarrySource, parseRelease, type ReleaseManifest, serializeRelease } from './release-manifest';
import { parseReleaseRef, pointerTags } from './release-ref';

const sha = (c: string) => c.repeat(40);
const digest = (c: string) => `sha256:${c.repeat(64)}`;

const manifest: ReleaseManifest = {
  schemaVersion: 2,
  gitSha: sha('b'),
  previous: { gitSha: sha('a'), digest: digest('e') },
  apps: {
    storefront: { image: { repository: 'storefront', tag: sha('b'), digest: digest('1') }, chart: { name: 'storefront', version: '0.1.0-bbbbbbbbbbbb', repository: 'helm/storefront', digest: digest('2') }, gitSha: sha('b') },
    'catalog-api': { image: { repository: 'catalog-api', tag: sha('a'), digest: digest('3') }, chart: { name: 'catalog-api', version: '0.1.0-aaaaaaaaaaaa', repository: 'helm/catalog-api', digest: digest('4') }, gitSha: sha('a') },
  },
};

/** A release as the previous shipyard wrote it: the chart's digest was the content of a checkout folder. */
const versionOne = {
  schemaVersion: 1,
  gitSha: sha('a'),
  previous: null,
  apps: { storefront: { image: manifest.apps.storefront.image, chart: { name: 'storefront', version: '0.1.0', digest: digest('2') }, gitSha: sha('a') } },
};

describe('the release manifest', () => {
  it('serializes the same manifest to the same bytes, apps sorted, and parses it back', () => {
    const text = serializeRelease(manifest);
    const reordered = serializeRelease({ ...manifest, apps: { storefront: manifest.apps.storefront, 'catalog-api': manifest.apps['catalog-api'] } });
    expect(reordered).toBe(text);
    expect(Object.keys(JSON.parse(text).apps)).toEqual(['catalog-api', 'storefront']);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseRelease(text, 'release.json')).toEqual(manifest);
  });

  it('names every problem of an invalid manifest with its path', () => {
    const broken = JSON.parse(serializeRelease(manifest));
    broken.apps.storefront.image.digest = 'sha256:nope';
    broken.apps.storefront.image.repository = '127.0.0.1:5000/storefront';
    broken.apps.storefront.chart.repository = 'oci://127.0.0.1:5000/helm/storefront';
    broken.gitSha = 'abc';
    const error = (() => {
      try {
        parseRelease(JSON.stringify(broken), 'dist/release.json');
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(error.message).toMatch(/^dist\/release\.json is not a valid release manifest/);
    expect(error.message).toContain('gitSha: must be a full 40-character git commit sha');
    expect(error.message).toContain('apps.storefront.image.digest: must be sha256:');
    expect(error.message).toContain('apps.storefront.image.repository: must be a repository path without registry host');
    expect(error.message).toContain('apps.storefront.chart.repository: must be a repository path without registry host');
  });

  it('refuses another schemaVersion with an upgrade hint, an empty app list and non-JSON', () => {
    expect(() => parseRelease(JSON.stringify({ ...manifest, schemaVersion: 3 }), 'r')).toThrow(/schemaVersion 3; this shipyard reads schemaVersion 2 \(upgrade the CLI\)/);
    // Version 1 recorded a chart by the content of a checkout folder: nothing to install from a registry.
    expect(() => parseRelease(JSON.stringify(versionOne), 'r')).toThrow(/r has schemaVersion 1 \(charts recorded by checkout content\); this shipyard deploys schemaVersion 2 \(charts as OCI artifacts\)/);
    expect(() => parseRelease(JSON.stringify({ ...manifest, apps: {} }), 'r')).toThrow(/apps: must name at least one app/);
    expect(() => parseRelease('{', 'r')).toThrow(/r is not JSON/);
  });
});

describe('a release to carry over from', () => {
  it('is a current release as it is', () => {
    expect(parseCarrySource(serializeRelease(manifest), 'r')).toEqual(manifest);
  });

  it('of schemaVersion 1 gives its images and no chart (its charts were no artifact)', () => {
    expect(parseCarrySource(JSON.stringify(versionOne), 'r')).toEqual({
      schemaVersion: 1,
      gitSha: sha('a'),
      apps: { storefront: { image: manifest.apps.storefront.image, chart: null, gitSha: sha('a') } },
    });
    expect(() => parseCarrySource(JSON.stringify({ ...versionOne, apps: { storefront: { ...versionOne.apps.storefront, chart: {} } } }), 'r')).toThrow(/r is not a valid release manifest:\n {2}apps\.storefront\.chart\.name/);
  });
});

describe('release references', () => {
  it('accepts full shas, environment pointers and digests', () => {
    expect(parseReleaseRef(sha('c'))).toEqual({ kind: 'sha', tag: sha('c') });
    expect(parseReleaseRef('env-dev')).toEqual({ kind: 'pointer', tag: 'env-dev', environment: 'dev' });
    expect(parseReleaseRef('env-prod-previous')).toEqual({ kind: 'pointer', tag: 'env-prod-previous', environment: 'prod' });
    expect(parseReleaseRef(digest('d'))).toEqual({ kind: 'digest', digest: digest('d') });
    expect(pointerTags('staging')).toEqual({ current: 'env-staging', previous: 'env-staging-previous', failed: 'env-staging-failed' });
  });

  it.each([
    ['abc1234', /abbreviated shas are ambiguous/],
    ['env-qa', /must be a full git sha, env-<dev\|staging\|prod>/],
    ['latest', /must be a full git sha/],
    [`${sha('c')}-dirty`, /must be a full git sha/],
  ])('refuses %s', (ref, message) => {
    expect(() => parseReleaseRef(ref)).toThrow(message);
  });
});

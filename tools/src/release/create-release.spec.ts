import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../cli/errors';
import { imageRecord } from '../images/digest-file';
import { createRelease, readImagesFile, type PreviousRelease } from './create-release';
import { deployableAppNames, deployableApps } from './deployable-apps';

const sha = (c: string) => c.repeat(40);
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const registry = '127.0.0.1:5000';
const apps = deployableApps(['catalog-api', 'checkout-api', 'storefront']);
const image = (app: string, c: string, tag = sha('b')) => imageRecord(`${registry}/${app}`, tag, digest(c));

function previousRelease(): PreviousRelease {
  const first = createRelease({
    sha: sha('a'),
    registry,
    apps,
    images: { 'catalog-api': image('catalog-api', '1', sha('a')), 'checkout-api': image('checkout-api', '2', sha('a')), storefront: image('storefront', '3', sha('a')) },
    previous: null,
  });
  return { manifest: first.manifest, digest: digest('f'), how: 'test' };
}

describe('deployable apps', () => {
  it('are the projects tagged type:app, sorted; libraries, tools and charts are not', () => {
    const projects = [
      { name: 'storefront', tags: ['type:app', 'scope:storefront'] },
      { name: 'service-kit', tags: ['type:lib'] },
      { name: 'catalog-api', tags: ['scope:catalog', 'type:app'] },
      { name: 'tools', tags: ['type:tool'] },
      { name: 'chart-storefront', tags: ['type:chart'] },
    ];
    expect(deployableAppNames(projects)).toEqual(['catalog-api', 'storefront']);
  });

  it('each carry their chart (charts/<app>): name, version and a content digest', () => {
    expect(apps.map((app) => [app.name, app.chart.name, app.chart.version])).toEqual([
      ['catalog-api', 'catalog-api', expect.any(String)],
      ['checkout-api', 'checkout-api', expect.any(String)],
      ['storefront', 'storefront', expect.any(String)],
    ]);
    expect(new Set(apps.map((app) => app.chartDigest)).size).toBe(3);
  });

  it('an app without a chart, or none at all, is a clear error', () => {
    expect(() => deployableApps(['catalog-api', 'billing-api'])).toThrow(/app billing-api \(tagged type:app\) has no chart: expected .*charts\/billing-api\/Chart\.yaml/);
    expect(() => deployableApps([])).toThrow(/no project is tagged type:app/);
  });
});

describe('createRelease', () => {
  it('puts every app built in this run in the release with its digest, chart and sha', () => {
    const images = { 'catalog-api': image('catalog-api', '4'), 'checkout-api': image('checkout-api', '5'), storefront: image('storefront', '6') };
    const created = createRelease({ sha: sha('b'), registry, apps, images, previous: null });
    expect(created.built).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(created.carried).toEqual([]);
    expect(created.manifest.previous).toBeNull();
    expect(created.manifest.apps['checkout-api']).toEqual({
      image: { repository: 'checkout-api', tag: sha('b'), digest: digest('5') },
      chart: { name: 'checkout-api', version: apps[1].chart.version, digest: apps[1].chartDigest },
      gitSha: sha('b'),
    });
  });

  it('carries the entries of unchanged apps over from the previous release, with this commit\'s charts', () => {
    const previous = previousRelease();
    const created = createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '9') }, previous });
    expect(created.built).toEqual(['storefront']);
    expect(created.carried).toEqual(['catalog-api', 'checkout-api']);
    expect(created.manifest.previous).toEqual({ gitSha: sha('a'), digest: digest('f') });
    expect(created.manifest.apps['catalog-api'].image).toEqual(previous.manifest.apps['catalog-api'].image);
    expect(created.manifest.apps['catalog-api'].gitSha).toBe(sha('a'));
    expect(created.manifest.apps.storefront.image.digest).toBe(digest('9'));
    expect(created.manifest.apps.storefront.gitSha).toBe(sha('b'));
    expect(Object.keys(created.manifest.apps)).toHaveLength(3);
  });

  it('fails, naming the apps, when an app has no image and there is no previous release', () => {
    const run = () => createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '9') }, previous: null });
    expect(run).toThrow(CliError);
    expect(run).toThrow(/no image for catalog-api, checkout-api: .* there is no previous release to carry them over from/);
  });

  it('fails when the previous release lacks the app too', () => {
    const previous = previousRelease();
    delete (previous.manifest.apps as Record<string, unknown>)['checkout-api'];
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: {}, previous })).toThrow(/no image for checkout-api: .*the previous release \(test\) has no entry for it either/);
  });

  it('refuses images of unknown apps, of another registry and of another commit', () => {
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: { 'billing-api': image('billing-api', '1') }, previous: previousRelease() })).toThrow(
      /images file names billing-api, which is not a deployable app/,
    );
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: { storefront: imageRecord('myacr.azurecr.io/storefront', sha('b'), digest('1')) }, previous: previousRelease() })).toThrow(
      /storefront was pushed to myacr\.azurecr\.io\/storefront, not to the release registry 127\.0\.0\.1:5000/,
    );
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '1', sha('c')) }, previous: previousRelease() })).toThrow(
      /storefront is tagged c{40}, but this release is for b{40}/,
    );
  });

  it('warns about images built from uncommitted changes', () => {
    const created = createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '1', `${sha('b')}-dirty`) }, previous: previousRelease() });
    expect(created.warnings).toEqual([`storefront: image ${sha('b')}-dirty was built from uncommitted changes`]);
  });
});

describe('readImagesFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-images-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('treats a missing file as "nothing built" and refuses broken ones', () => {
    expect(readImagesFile(path.join(dir, 'none.json'))).toEqual({ images: {}, found: false });
    writeFileSync(path.join(dir, 'bad.json'), '{"storefront": ');
    expect(() => readImagesFile(path.join(dir, 'bad.json'))).toThrow(/images file .*bad\.json is not JSON/);
    writeFileSync(path.join(dir, 'wrong.json'), JSON.stringify({ storefront: { repository: 'x', tag: 't', digest: 'nope', reference: 'x@nope' } }));
    expect(() => readImagesFile(path.join(dir, 'wrong.json'))).toThrow(/storefront\.digest: expected sha256/);
  });
});

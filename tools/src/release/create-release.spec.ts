import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../cli/errors';
import { imageRecord } from '../images/digest-file';
import type { ChartsFile } from '../charts/publish';
import { createRelease, readChartsFileIfAny, readImagesFile, type PreviousRelease } from './create-release';
import { deployableAppNames, deployableApps } from './deployable-apps';

const sha = (c: string) => c.repeat(40);
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const registry = '127.0.0.1:5000';
const apps = deployableApps(['catalog-api', 'checkout-api', 'storefront']);
const image = (app: string, c: string, tag = sha('b')) => imageRecord(`${registry}/${app}`, tag, digest(c));
const chart = (app: string, c: string, of = sha('b')) => ({ repository: `helm/${app}`, version: `0.1.0-${of.slice(0, 12)}`, digest: digest(c) });
const allCharts = (c: string, of = sha('b')): ChartsFile => ({ 'catalog-api': chart('catalog-api', c, of), 'checkout-api': chart('checkout-api', c, of), storefront: chart('storefront', c, of) });

function previousRelease(): PreviousRelease {
  const first = createRelease({
    sha: sha('a'),
    registry,
    apps,
    images: { 'catalog-api': image('catalog-api', '1', sha('a')), 'checkout-api': image('checkout-api', '2', sha('a')), storefront: image('storefront', '3', sha('a')) },
    charts: allCharts('7', sha('a')),
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

  it('each carry their chart (charts/<app>): name and version', () => {
    expect(apps.map((app) => [app.name, app.chart.name, app.chart.version])).toEqual([
      ['catalog-api', 'catalog-api', expect.any(String)],
      ['checkout-api', 'checkout-api', expect.any(String)],
      ['storefront', 'storefront', expect.any(String)],
    ]);
  });

  it('an app without a chart, or none at all, is a clear error', () => {
    expect(() => deployableApps(['catalog-api', 'billing-api'])).toThrow(/app billing-api \(tagged type:app\) has no chart: expected .*charts\/billing-api\/Chart\.yaml/);
    expect(() => deployableApps([])).toThrow(/no project is tagged type:app/);
  });
});

describe('createRelease', () => {
  it('puts every app built in this run in the release with its digest, chart artifact and sha', () => {
    const images = { 'catalog-api': image('catalog-api', '4'), 'checkout-api': image('checkout-api', '5'), storefront: image('storefront', '6') };
    const created = createRelease({ sha: sha('b'), registry, apps, images, charts: allCharts('8'), previous: null });
    expect(created.built).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(created.carried).toEqual([]);
    expect(created.chartsPushed).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(created.manifest.previous).toBeNull();
    expect(created.manifest.schemaVersion).toBe(2);
    expect(created.manifest.apps['checkout-api']).toEqual({
      image: { repository: 'checkout-api', tag: sha('b'), digest: digest('5') },
      chart: { name: 'checkout-api', repository: 'helm/checkout-api', version: `0.1.0-${sha('b').slice(0, 12)}`, digest: digest('8') },
      gitSha: sha('b'),
    });
  });

  it('carries the entries of unchanged apps over from the previous release, images and charts each on their own', () => {
    const previous = previousRelease();
    // storefront: new image and chart; checkout-api: only its chart changed; catalog-api: nothing.
    const created = createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '9') }, charts: { storefront: chart('storefront', '5'), 'checkout-api': chart('checkout-api', '6') }, previous });
    expect(created.built).toEqual(['storefront']);
    expect(created.carried).toEqual(['catalog-api', 'checkout-api']);
    expect(created.chartsPushed).toEqual(['checkout-api', 'storefront']);
    expect(created.chartsCarried).toEqual(['catalog-api']);
    expect(created.manifest.previous).toEqual({ gitSha: sha('a'), digest: digest('f') });
    expect(created.manifest.apps['catalog-api']).toEqual(previous.manifest.apps['catalog-api']);
    expect(created.manifest.apps['catalog-api'].chart.version).toBe(`0.1.0-${sha('a').slice(0, 12)}`);
    expect(created.manifest.apps['checkout-api'].image).toEqual(previous.manifest.apps['checkout-api'].image);
    expect(created.manifest.apps['checkout-api'].chart).toEqual({ name: 'checkout-api', ...chart('checkout-api', '6') });
    expect(created.manifest.apps.storefront.image.digest).toBe(digest('9'));
    expect(created.manifest.apps.storefront.chart.digest).toBe(digest('5'));
    expect(created.manifest.apps.storefront.gitSha).toBe(sha('b'));
    expect(Object.keys(created.manifest.apps)).toHaveLength(3);
  });

  it('carries every chart over (and names the previous release) when only images were built', () => {
    const previous = previousRelease();
    const images = { 'catalog-api': image('catalog-api', '4'), 'checkout-api': image('checkout-api', '5'), storefront: image('storefront', '6') };
    const created = createRelease({ sha: sha('b'), registry, apps, images, charts: {}, previous });
    expect(created.chartsCarried).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(created.manifest.previous).toEqual({ gitSha: sha('a'), digest: digest('f') });
    for (const app of ['catalog-api', 'checkout-api', 'storefront']) expect(created.manifest.apps[app].chart).toEqual(previous.manifest.apps[app].chart);
  });

  it('carries the images of a schemaVersion 1 release over, but not its charts (checkout content, no artifact)', () => {
    const first = previousRelease();
    const legacy: PreviousRelease = {
      ...first,
      manifest: { schemaVersion: 1, gitSha: first.manifest.gitSha, apps: Object.fromEntries(Object.entries(first.manifest.apps).map(([app, entry]) => [app, { ...entry, chart: null }])) },
    };
    const created = createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '9') }, charts: allCharts('5'), previous: legacy });
    expect(created.carried).toEqual(['catalog-api', 'checkout-api']);
    expect(created.manifest.apps['catalog-api'].image).toEqual(first.manifest.apps['catalog-api'].image);
    expect(created.manifest.apps['catalog-api'].chart).toEqual({ name: 'catalog-api', ...chart('catalog-api', '5') });
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: {}, charts: { storefront: chart('storefront', '5') }, previous: legacy })).toThrow(
      /no chart for catalog-api, checkout-api: .*the previous release \(test\) is schemaVersion 1, whose charts were checkout content, not artifacts: push every chart once \(npx shipyard charts push --all\)/,
    );
  });

  it('fails, naming the apps, when an app has no chart pushed and none to carry over', () => {
    const images = { 'catalog-api': image('catalog-api', '4'), 'checkout-api': image('checkout-api', '5'), storefront: image('storefront', '6') };
    expect(() => createRelease({ sha: sha('b'), registry, apps, images, charts: { storefront: chart('storefront', '1') }, previous: null })).toThrow(
      /no chart for catalog-api, checkout-api: the charts file does not have them, and there is no previous release to carry them over from\. Push them \(npx shipyard charts push catalog-api checkout-api --sha b{40}\)/,
    );
  });

  it('refuses charts of unknown apps and charts pushed for another commit', () => {
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: {}, charts: { 'billing-api': chart('billing-api', '1') }, previous: previousRelease() })).toThrow(
      /charts file names billing-api, which is not a deployable app/,
    );
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: {}, charts: { storefront: chart('storefront', '1', sha('c')) }, previous: previousRelease() })).toThrow(
      /charts file: storefront 0\.1\.0-cccccccccccc was not pushed for b{40}/,
    );
  });

  it('fails, naming the apps, when an app has no image and there is no previous release', () => {
    const run = () => createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '9') }, charts: allCharts('1'), previous: null });
    expect(run).toThrow(CliError);
    expect(run).toThrow(/no image for catalog-api, checkout-api: .* there is no previous release to carry them over from/);
  });

  it('fails when the previous release lacks the app too', () => {
    const previous = previousRelease();
    delete (previous.manifest.apps as Record<string, unknown>)['checkout-api'];
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: {}, charts: {}, previous })).toThrow(/no image for checkout-api: .*the previous release \(test\) has no entry for it either/);
  });

  it('refuses images of unknown apps, of another registry and of another commit', () => {
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: { 'billing-api': image('billing-api', '1') }, charts: {}, previous: previousRelease() })).toThrow(
      /images file names billing-api, which is not a deployable app/,
    );
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: { storefront: imageRecord('myacr.azurecr.io/storefront', sha('b'), digest('1')) }, charts: {}, previous: previousRelease() })).toThrow(
      /storefront was pushed to myacr\.azurecr\.io\/storefront, not to the release registry 127\.0\.0\.1:5000/,
    );
    expect(() => createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '1', sha('c')) }, charts: {}, previous: previousRelease() })).toThrow(
      /storefront is tagged c{40}, but this release is for b{40}/,
    );
  });

  it('warns about images built from uncommitted changes', () => {
    const created = createRelease({ sha: sha('b'), registry, apps, images: { storefront: image('storefront', '1', `${sha('b')}-dirty`) }, charts: {}, previous: previousRelease() });
    expect(created.warnings).toEqual([`storefront: image ${sha('b')}-dirty was built from uncommitted changes`]);
  });
});

describe('readImagesFile and readChartsFileIfAny', () => {
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

  it('treats a missing charts file as "no chart pushed" and refuses broken ones', () => {
    expect(readChartsFileIfAny(path.join(dir, 'none.json'))).toEqual({ charts: {}, found: false });
    writeFileSync(path.join(dir, 'charts.json'), JSON.stringify({ storefront: chart('storefront', '1') }));
    expect(readChartsFileIfAny(path.join(dir, 'charts.json'))).toEqual({ charts: { storefront: chart('storefront', '1') }, found: true });
    writeFileSync(path.join(dir, 'wrong.json'), JSON.stringify({ storefront: { ...chart('storefront', '1'), repository: '127.0.0.1:5000/helm/storefront' } }));
    expect(() => readChartsFileIfAny(path.join(dir, 'wrong.json'))).toThrow(/storefront\.repository: must be a repository path without registry host/);
  });
});

import { releaseRepository } from '../release/release-manifest';
import { ReleaseStore } from '../release/release-store';
import { MemoryRegistry } from '../release/testing/memory-registry';
import { pushVersionOne } from '../release/testing/version-one';
import { type ConvergeOptions, deployRelease, rollbackEnvironment } from './converge';
import { deployDescription } from './deployed-state';
import { desiredApps } from './desired';
import type { DesiredApp } from './plan';
import { FakeHelm } from './testing/fake-helm';
import { publishRelease, workspaceApps } from './testing/publish';

const apps = workspaceApps;
const names = apps.map((app) => app.name);
const shaA = 'a'.repeat(40);
const shaB = 'b'.repeat(40);

const publish = publishRelease;

function setup() {
  const registry = new MemoryRegistry();
  const helm = new FakeHelm(registry);
  const lines: string[] = [];
  const rendered: string[][] = [];
  const options: ConvergeOptions = {
    environment: 'dev',
    namespace: 'shipyard',
    timeout: '10m',
    store: new ReleaseStore(registry),
    helm,
    dryRun: false,
    log: (line) => lines.push(line),
    renderCheck: async (changing: DesiredApp[]) => {
      rendered.push(changing.map((app) => app.app));
    },
  };
  return { registry, helm, lines, rendered, options };
}

const sha = { kind: 'sha' as const };

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

describe('deploy: converging an environment to a release', () => {
  it('installs every app of a first release with the exact helm commands and points env-dev at it', async () => {
    const { registry, helm, options } = setup();
    const manifest = await publish(registry, shaA, names);
    const report = await deployRelease({ ...sha, tag: shaA }, { ...options, caFile: '/cache/registry/cert.pem' });
    expect(report.apps.map((app) => [app.app, app.action])).toEqual(names.map((name) => [name, 'upgrade']));
    expect(report.before).toBeNull();
    const [catalog] = desiredApps({ manifest, registry: registry.registry, environment: 'dev' });
    const entry = manifest.apps['catalog-api'];
    // The chart is the release's artifact, by digest: nothing is built from the checkout first.
    expect(helm.calls.filter((args) => args[0] !== 'history' && args[0] !== 'get').slice(0, 1)).toEqual([
      [
        'upgrade', '--install', 'catalog-api', `oci://127.0.0.1:5000/helm/catalog-api@${entry.chart.digest}`, '--ca-file', '/cache/registry/cert.pem',
        '--namespace', 'shipyard', '--rollback-on-failure', '--wait=watcher', '--timeout', '10m',
        '--description', deployDescription(shaA, catalog.fingerprint),
        '-f', 'charts/environments/dev.yaml',
        '--set-string', 'service.image.repository=127.0.0.1:5000/catalog-api',
        '--set-string', `service.image.tag=${shaA}`,
        '--set-string', `service.image.digest=${entry.image.digest}`,
      ],
    ]);
    expect(report.apps[0].commands[0]).toMatch(/^helm upgrade --install catalog-api oci:\/\/127\.0\.0\.1:5000\/helm\/catalog-api@sha256:[0-9a-f]{64} --ca-file \/cache\/registry\/cert\.pem .* --description 'shipyard release=a{40} fingerprint=sha256:[0-9a-f]{64}' -f charts\/environments\/dev\.yaml/);
    expect(helm.latest('catalog-api')?.chart).toBe(`catalog-api-0.1.0-${shaA.slice(0, 12)}`);
    expect(registry.tagsOf(releaseRepository)['env-dev']).toBe(report.release.digest);
    expect(registry.tagsOf(releaseRepository)['env-dev-previous']).toBeUndefined();
  });

  it('skips every app when the environment already runs the release, and leaves the pointers alone', async () => {
    const { registry, helm, options, lines } = setup();
    await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    const changesBefore = helm.changes().length;
    const report = await deployRelease({ ...sha, tag: shaA }, options);
    expect(report.apps.map((app) => app.action)).toEqual(['skip', 'skip', 'skip']);
    expect(report.apps[0].reasons[0]).toMatch(/runs release aaaaaaaaaaaa with the same image, chart and values/);
    expect(helm.changes().length).toBe(changesBefore);
    expect(lines).toContain('env-dev already names this release');
  });

  it('upgrades only the app whose digest changed and records the release it replaced', async () => {
    const { registry, helm, options } = setup();
    await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    const first = registry.tagsOf(releaseRepository)['env-dev'];
    await publish(registry, shaB, ['checkout-api'], shaA);
    helm.calls.length = 0;
    const report = await deployRelease({ ...sha, tag: shaB }, options);
    expect(report.apps.map((app) => [app.app, app.action])).toEqual([
      ['catalog-api', 'skip'],
      ['checkout-api', 'upgrade'],
      ['storefront', 'skip'],
    ]);
    expect(report.apps[1].reasons[0]).toMatch(/^image [0-9a-f]{12} → [0-9a-f]{12}$/);
    expect(helm.changes().map((args) => args.slice(0, 3))).toEqual([['upgrade', '--install', 'checkout-api']]);
    expect(report.before?.gitSha).toBe(shaA);
    expect(registry.tagsOf(releaseRepository)['env-dev-previous']).toBe(first);
    expect(registry.tagsOf(releaseRepository)['env-dev']).toBe(report.release.digest);
  });

  it('upgrades only the app whose chart was pushed when no image changed; the others keep their chart (and helm label)', async () => {
    const { registry, helm, options } = setup();
    const first = await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    const second = await publish(registry, shaB, [], shaA, ['catalog-api']);
    expect(second.apps['checkout-api'].chart).toEqual(first.apps['checkout-api'].chart);
    helm.calls.length = 0;
    const report = await deployRelease({ ...sha, tag: shaB }, options);
    expect(report.apps.map((app) => [app.app, app.action])).toEqual([
      ['catalog-api', 'upgrade'],
      ['checkout-api', 'skip'],
      ['storefront', 'skip'],
    ]);
    expect(report.apps[0].reasons).toEqual([`chart catalog-api-0.1.0-${shaA.slice(0, 12)} → catalog-api-0.1.0-${shaB.slice(0, 12)}`]);
    expect(helm.changes().map((args) => args.slice(0, 4))).toEqual([['upgrade', '--install', 'catalog-api', `oci://127.0.0.1:5000/helm/catalog-api@${second.apps['catalog-api'].chart.digest}`]]);
  });

  it('recovers a release stuck in pending-upgrade by rolling back to the last good revision, then upgrades', async () => {
    const { registry, helm, options } = setup();
    await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    await publish(registry, shaB, ['storefront'], shaA);
    const good = must(helm.latest('storefront'));
    must(helm.releases.get('storefront')).push({ ...good, revision: good.revision + 1, status: 'pending-upgrade', description: 'Preparing upgrade' });
    helm.calls.length = 0;
    const report = await deployRelease({ ...sha, tag: shaB }, options);
    const storefront = must(report.apps.find((app) => app.app === 'storefront'));
    expect(storefront.recover).toEqual({ kind: 'rollback', revision: good.revision, reason: `revision ${good.revision + 1} is pending-upgrade: roll back to revision ${good.revision}, the last that ran` });
    expect(storefront.action).toBe('upgrade');
    expect(helm.changes().map((args) => args.slice(0, 3))).toEqual([
      ['rollback', 'storefront', String(good.revision)],
      ['upgrade', '--install', 'storefront'],
    ]);
    expect(helm.latest('storefront')?.status).toBe('deployed');
  });

  it('recovers a first install stuck in pending-install (nothing ever ran) by uninstalling it', async () => {
    const { registry, helm, options } = setup();
    await publish(registry, shaA, names);
    helm.seed('catalog-api', [{ status: 'pending-install', chart: 'catalog-api-0.1.0', description: 'Initial install underway', values: {} }]);
    const report = await deployRelease({ ...sha, tag: shaA }, options);
    expect(report.apps[0].recover).toEqual({ kind: 'uninstall', reason: 'revision 1 is pending-install and no revision ever ran: uninstall it' });
    expect(helm.changes().slice(0, 2).map((args) => args.slice(0, 3))).toEqual([
      ['uninstall', 'catalog-api', '--namespace'],
      ['upgrade', '--install', 'catalog-api'],
    ]);
  });

  it('redeploys an app that was changed by hand (no shipyard fingerprint)', async () => {
    const { registry, helm, options } = setup();
    const manifest = await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    const latest = must(helm.latest('catalog-api'));
    must(helm.releases.get('catalog-api')).push({ ...latest, revision: latest.revision + 1, description: 'Upgrade complete' });
    latest.status = 'superseded';
    expect(manifest.apps['catalog-api']).toBeDefined();
    const report = await deployRelease({ ...sha, tag: shaA }, options);
    expect(report.apps.map((app) => app.action)).toEqual(['upgrade', 'skip', 'skip']);
    expect(report.apps[0].reasons).toEqual(['deployed without shipyard deploy (no fingerprint): converge']);
  });

  it('on a failed upgrade puts the apps already changed back, keeps the pointer and fails', async () => {
    const { registry, helm, options } = setup();
    await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    await publish(registry, shaB, names);
    const catalogBefore = must(helm.latest('catalog-api')).revision;
    helm.failUpgrades.add('checkout-api');
    helm.calls.length = 0;
    const pointer = registry.tagsOf(releaseRepository)['env-dev'];
    await expect(deployRelease({ ...sha, tag: shaB }, options)).rejects.toThrow(
      /checkout-api: helm upgrade failed \(exit 1\); helm rolled this app back:\n {2}Error: UPGRADE FAILED.*\n {2}catalog-api: restored to revision 1\nthe dev pointer was not moved/s,
    );
    expect(helm.latest('catalog-api')?.description).toBe(`Rollback to ${catalogBefore}`);
    expect(helm.changes().some((args) => args[2] === 'storefront')).toBe(false);
    expect(registry.tagsOf(releaseRepository)['env-dev']).toBe(pointer);
  });

  it('checks the images and charts before touching the cluster', async () => {
    const { registry, helm, options } = setup();
    const manifest = await publish(registry, shaA, names);
    const empty = new MemoryRegistry();
    await new ReleaseStore(empty).push(manifest);
    await expect(deployRelease({ ...sha, tag: shaA }, { ...options, store: new ReleaseStore(empty) })).rejects.toThrow(/is not deployable from 127\.0\.0\.1:5000/);
    expect(helm.calls).toEqual([]);
    expect(registry.calls.length).toBeGreaterThan(0);
  });

  it('with --dry-run prints the plan, renders the changing apps and changes nothing', async () => {
    const { registry, helm, options, rendered, lines } = setup();
    await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    const next = await publish(registry, shaB, ['storefront'], shaA);
    helm.calls.length = 0;
    const report = await deployRelease({ ...sha, tag: shaB }, { ...options, dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.apps.map((app) => app.action)).toEqual(['skip', 'skip', 'upgrade']);
    expect(report.apps[2].commands.map((command) => command.split(' ').slice(0, 5).join(' '))).toEqual([`helm upgrade --install storefront oci://127.0.0.1:5000/helm/storefront@${next.apps.storefront.chart.digest}`]);
    expect(rendered).toEqual([['storefront']]);
    expect(helm.calls.every((args) => args[0] === 'history' || args[0] === 'get')).toBe(true);
    expect(registry.tagsOf(releaseRepository)['env-dev-previous']).toBeUndefined();
    expect(lines).toContain('would tag env-dev → bbbbbbbbbbbb');
  });

  it('with --assume-not-installed plans an install of everything without asking helm', async () => {
    const { registry, helm, options } = setup();
    await publish(registry, shaA, names);
    const report = await deployRelease({ ...sha, tag: shaA }, { ...options, dryRun: true, assumeNotInstalled: true });
    expect(report.apps.map((app) => app.action)).toEqual(['upgrade', 'upgrade', 'upgrade']);
    expect(helm.calls).toEqual([]);
  });
});

describe('deploy --rollback: back to the previous release', () => {
  it('converges to env-dev-previous, marks the rolled-back release env-dev-failed and moves env-dev back', async () => {
    const { registry, helm, options } = setup();
    await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    await publish(registry, shaB, ['catalog-api', 'storefront'], shaA);
    const second = await deployRelease({ ...sha, tag: shaB }, options);
    helm.calls.length = 0;
    const report = await rollbackEnvironment(options);
    expect(report.release.gitSha).toBe(shaA);
    expect(report.before?.gitSha).toBe(shaB);
    expect(report.apps.map((app) => [app.app, app.action])).toEqual([
      ['catalog-api', 'upgrade'],
      ['checkout-api', 'skip'],
      ['storefront', 'upgrade'],
    ]);
    // The previous release's own charts, by digest: no checkout of that commit is needed.
    const previous = await new ReleaseStore(registry).pull({ ...sha, tag: shaA });
    expect(helm.changes().map((args) => args[3])).toEqual(['catalog-api', 'storefront'].map((app) => `oci://127.0.0.1:5000/helm/${app}@${previous.manifest.apps[app].chart.digest}`));
    expect(helm.latest('storefront')?.chart).toBe(`storefront-0.1.0-${shaA.slice(0, 12)}`);
    const tags = registry.tagsOf(releaseRepository);
    expect(tags['env-dev']).toBe(tags[shaA]);
    expect(tags['env-dev-failed']).toBe(second.release.digest);
    expect(tags['env-dev-previous']).toBe(tags[shaA]);
  });

  it('moves a pointer at a schemaVersion 1 release to -previous, carries its images over, and refuses to roll back to it', async () => {
    const { registry, helm, options } = setup();
    const current = await publish(registry, shaA, names);
    // The environment runs the release of shaB made by the previous shipyard.
    const legacy = await pushVersionOne(registry, { ...current, gitSha: shaB }, ['env-dev']);
    const carried = await new ReleaseStore(registry).findCarrySource({ ...sha, tag: shaB });
    expect(carried?.manifest.apps.storefront).toEqual({ image: current.apps.storefront.image, chart: null, gitSha: shaA });
    const report = await deployRelease({ ...sha, tag: shaA }, options);
    expect(report.before).toEqual({ gitSha: shaB, digest: legacy });
    expect(registry.tagsOf(releaseRepository)['env-dev-previous']).toBe(legacy);
    helm.calls.length = 0;
    await expect(rollbackEnvironment(options)).rejects.toThrow(/has schemaVersion 1 \(charts recorded by checkout content\); this shipyard deploys schemaVersion 2/);
    expect(helm.changes()).toEqual([]);
  });

  it('explains when there is nothing to roll back to', async () => {
    const { registry, options } = setup();
    await expect(rollbackEnvironment(options)).rejects.toThrow(/nothing to roll back: env-dev does not exist/);
    await publish(registry, shaA, names);
    await deployRelease({ ...sha, tag: shaA }, options);
    await expect(rollbackEnvironment(options)).rejects.toThrow(/no previous release recorded for dev \(env-dev-previous does not exist\); deploy an older release explicitly/);
  });
});

import { ReleaseStore } from '../release/release-store';
import { MemoryRegistry } from '../release/testing/memory-registry';
import { pushVersionOne } from '../release/testing/version-one';
import { readDeployment, servicesOf } from './deployment';
import { readPipelineRun } from './pipeline-run';
import { markDeployed, releaseFor } from './testing/releases';

const sha = (c: string) => c.repeat(40);

describe('readDeployment: the range from the registry pointers shipyard deploy moves', () => {
  it('reads env-<env> as this release and env-<env>-previous as the one before, with the services that changed', async () => {
    const store = new ReleaseStore(new MemoryRegistry());
    await store.push(releaseFor(sha('c'), { 'catalog-api': '1', storefront: '2' }));
    await store.push(releaseFor(sha('a'), { 'catalog-api': '1', storefront: '3', 'checkout-api': '4' }));
    await markDeployed(store, 'prod', sha('c'));
    await markDeployed(store, 'prod', sha('a'));

    const deployment = await readDeployment(store, 'prod', sha('a'));
    expect(deployment.current.gitSha).toBe(sha('a'));
    expect(deployment.previous?.gitSha).toBe(sha('c'));
    expect(servicesOf(deployment).map((service) => [service.name, service.changed])).toEqual([
      ['catalog-api', false],
      ['checkout-api', true],
      ['storefront', true],
    ]);
  });

  it('reads a previous release of schemaVersion 1 (before charts were artifacts): its commits and images are all it needs', async () => {
    const registry = new MemoryRegistry();
    const store = new ReleaseStore(registry);
    await pushVersionOne(registry, releaseFor(sha('c'), { storefront: '2' }), ['env-dev']);
    await store.push(releaseFor(sha('a'), { storefront: '3' }));
    await markDeployed(store, 'dev', sha('a'));
    const deployment = await readDeployment(store, 'dev', sha('a'));
    expect(deployment.previous).toMatchObject({ gitSha: sha('c'), apps: { storefront: { imageDigest: `sha256:${'2'.repeat(64)}` } } });
  });

  it('has no previous release on a first deployment, and refuses a pointer that names another release', async () => {
    const store = new ReleaseStore(new MemoryRegistry());
    await store.push(releaseFor(sha('a'), { storefront: '3' }));
    await expect(readDeployment(store, 'dev')).rejects.toThrow(/env-dev does not exist: nothing was deployed to dev through shipyard deploy yet/);
    await markDeployed(store, 'dev', sha('a'));
    expect((await readDeployment(store, 'dev')).previous).toBeNull();
    await expect(readDeployment(store, 'dev', sha('b'))).rejects.toThrow(/env-dev names release a{40}, not b{40}: the deploy step did not move the pointer/);
  });
});

describe('readPipelineRun', () => {
  it('reads the run from the agent variables, and is null outside a pipeline', () => {
    expect(readPipelineRun({ BUILD_BUILDID: '12', SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso', SYSTEM_TEAMPROJECT: 'Ship Yard', BUILD_REQUESTEDFOR: '$(Build.RequestedFor)' })).toEqual({
      buildId: 12,
      collectionUrl: 'https://dev.azure.com/contoso/',
      project: 'Ship Yard',
      url: 'https://dev.azure.com/contoso/Ship%20Yard/_build/results?buildId=12',
    });
    expect(readPipelineRun({})).toBeNull();
  });
});

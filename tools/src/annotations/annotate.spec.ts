import type { Deployment } from '../azdo/deployment';
import type { RetryPolicy } from '../azdo/http';
import { readPipelineRun } from '../azdo/pipeline-run';
import { throttled } from '../azdo/testing/fake-server';
import { annotateDeployment } from './annotate';
import { annotationId, releaseAnnotation } from './annotation';
import { readArmTarget } from './app-insights';
import { FakeArm } from './testing/fake-arm';

const sha = (c: string) => c.repeat(40);
const digest = (c: string) => `sha256:${c.repeat(64)}`;

const deployment: Deployment = {
  environment: 'prod',
  current: {
    gitSha: sha('a'),
    digest: digest('1'),
    apps: {
      storefront: { gitSha: sha('a'), imageDigest: digest('3') },
      'catalog-api': { gitSha: sha('b'), imageDigest: digest('2') },
      'checkout-api': { gitSha: sha('b'), imageDigest: digest('4') },
    },
  },
  previous: {
    gitSha: sha('c'),
    digest: digest('5'),
    apps: { storefront: { gitSha: sha('c'), imageDigest: digest('6') }, 'catalog-api': { gitSha: sha('b'), imageDigest: digest('2') } },
  },
};

const run = readPipelineRun({
  BUILD_BUILDID: '4711',
  BUILD_BUILDNUMBER: '20250601.3',
  BUILD_DEFINITIONNAME: 'shipyard',
  BUILD_REQUESTEDFOR: 'Ada Lovelace',
  BUILD_SOURCEBRANCH: 'refs/heads/main',
  BUILD_REPOSITORY_NAME: 'shipyard',
  SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso/',
  SYSTEM_TEAMPROJECT: 'Ship Yard',
});
const at = new Date('2025-06-01T12:34:56.000Z');
const componentId = '/subscriptions/sub-1/resourceGroups/rg-shipyard-prod/providers/microsoft.insights/components/appi-shipyard-prod';

describe('releaseAnnotation', () => {
  it('names the services, which of them changed, the git sha, the release digest and the run', () => {
    const annotation = releaseAnnotation(componentId, deployment, run, at);
    expect(annotation).toMatchObject({ AnnotationName: `shipyard prod ${'a'.repeat(12)}`, Category: 'Deployment', EventTime: '2025-06-01T12:34:56.000Z' });
    expect(JSON.parse(annotation.Properties)).toEqual({
      ReleaseName: `shipyard prod ${'a'.repeat(12)}`,
      ReleaseDescription: `checkout-api, storefront changed since ${'c'.repeat(12)}`,
      Environment: 'prod',
      GitSha: sha('a'),
      ReleaseDigest: digest('1'),
      PreviousGitSha: sha('c'),
      Services: `catalog-api@${'b'.repeat(12)}, checkout-api@${'b'.repeat(12)}, storefront@${'a'.repeat(12)}`,
      ChangedServices: 'checkout-api, storefront',
      BuildId: '4711',
      BuildNumber: '20250601.3',
      ReleaseDefinitionName: 'shipyard',
      TriggerBy: 'Ada Lovelace',
      SourceBranch: 'refs/heads/main',
      BuildRepositoryName: 'shipyard',
      ReleaseWebUrl: 'https://dev.azure.com/contoso/Ship%20Yard/_build/results?buildId=4711',
    });
  });

  it('has one stable GUID per component, environment and release', () => {
    const id = annotationId(componentId, deployment);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(releaseAnnotation(componentId, deployment, null, new Date()).Id).toBe(id);
    expect(annotationId(componentId.toUpperCase(), deployment)).toBe(id);
    expect(annotationId(componentId, { ...deployment, environment: 'staging' })).not.toBe(id);
    expect(annotationId(componentId, { ...deployment, current: { ...deployment.current, gitSha: sha('d') } })).not.toBe(id);
  });

  it('says "first deployment" without a previous release, and leaves run fields out outside a pipeline', () => {
    const properties = JSON.parse(releaseAnnotation(componentId, { ...deployment, previous: null }, null, at).Properties);
    expect(properties).toMatchObject({ ReleaseDescription: 'first deployment to prod', PreviousGitSha: '', ChangedServices: 'catalog-api, checkout-api, storefront' });
    expect(properties.BuildId).toBeUndefined();
  });
});

describe('annotate against a loopback Azure Resource Manager', () => {
  let arm: FakeArm;
  let id: string;
  let waits: number[];
  let log: string[];
  beforeEach(async () => {
    arm = await FakeArm.start();
    id = arm.addComponent({ subscription: 'sub-1', resourceGroup: 'rg-shipyard-prod', name: 'appi-shipyard-prod' });
    arm.addComponent({ subscription: 'sub-2', resourceGroup: 'rg-other', name: 'appi-shipyard-prod' });
    waits = [];
    log = [];
  });
  afterEach(() => arm.close());

  const policy = (): RetryPolicy => ({ attempts: 3, maxWaitMs: 10_000, sleep: async (ms) => void waits.push(ms) });
  const annotate = (options: { dryRun?: boolean; token?: string | null; appInsights?: string } = {}) =>
    annotateDeployment({
      deployment,
      run,
      appInsights: options.appInsights ?? 'appi-shipyard-prod',
      subscription: 'sub-1',
      arm: options.token === null ? null : readArmTarget({ SHIPYARD_ARM_TOKEN: options.token ?? arm.token }, arm.server.baseUrl, policy()),
      dryRun: Boolean(options.dryRun),
      now: () => at,
      log: (line) => log.push(line),
    });

  it('finds the component by name in the subscription, PUTs the annotation once, and finds it on a re-run', async () => {
    const first = await annotate();
    expect(first).toMatchObject({ componentId: id, outcome: 'created' });
    expect(arm.annotationsOf(id)).toEqual([releaseAnnotation(id, deployment, run, at)]);
    const put = arm.server.requests.find((request) => request.method === 'PUT');
    expect(put?.path).toBe(`${id}/Annotations`);
    expect(put?.query.get('api-version')).toBe('2015-05-01');
    expect(put?.headers.authorization).toBe(`Bearer ${arm.token}`);
    expect(put?.headers['content-type']).toBe('application/json');

    const second = await annotate();
    expect(second.outcome).toBe('exists');
    expect(arm.server.requests.filter((request) => request.method === 'PUT')).toHaveLength(1);
    expect(arm.annotationsOf(id)).toHaveLength(1);
    expect(log.at(-1)).toMatch(/exists already; nothing to add/);
  });

  it('works when the service answers an unknown annotation id with an empty list, and takes a resource id as is', async () => {
    arm.unknownAnnotation = 'empty-list';
    expect((await annotate({ appInsights: id })).outcome).toBe('created');
    expect((await annotate({ appInsights: id })).outcome).toBe('exists');
    expect(arm.server.requests.some((request) => request.path.endsWith('/resources'))).toBe(false);
  });

  it('a 409 from a concurrent writer counts as done; a 429 is waited out', async () => {
    arm.server.failNext((request) => request.method === 'PUT', throttled(3));
    let puts = 0;
    arm.server.beforeAnswer = (request) => {
      // Another run writes the same annotation between our read and our (retried) write.
      if (request.method === 'PUT' && ++puts === 2) arm.annotations.set(id.toLowerCase(), [releaseAnnotation(id, deployment, run, at)]);
    };
    expect((await annotate()).outcome).toBe('exists');
    expect(waits).toEqual([3000]);
  });

  it('--dry-run reads but does not write; without a token it prints the body it would send', async () => {
    expect((await annotate({ dryRun: true })).outcome).toBe('would create');
    const offline = await annotate({ dryRun: true, token: null });
    expect(offline.outcome).toBe('would create (not checked: no token)');
    expect(JSON.parse(offline.annotation.Properties).GitSha).toBe(sha('a'));
    expect(arm.server.requests.filter((request) => request.method === 'PUT')).toHaveLength(0);
  });

  it('names the missing role or the refused token', async () => {
    arm.permissions.write = false;
    await expect(annotate()).rejects.toThrow(
      /writing the release annotation to .*appi-shipyard-prod: permission denied \(403\): the token needs Microsoft.Insights\/components\/Annotations\/write on appi-shipyard-prod \(the role Application Insights Component Contributor, or Monitoring Contributor/,
    );
    arm.permissions.listResources = false;
    await expect(annotate()).rejects.toThrow(/finding Application Insights resource appi-shipyard-prod in subscription sub-1: permission denied \(403\): the token needs Reader/);
    await expect(annotate({ token: 'expired' })).rejects.toThrow(/the token was refused \(401\) \(the service said: The access token is invalid.\)\. SHIPYARD_ARM_TOKEN must be a current Azure Resource Manager token/);
  });

  it('a name nobody can see is an error that says what to do', async () => {
    await expect(annotate({ appInsights: 'appi-missing' })).rejects.toThrow(/finding Application Insights resource appi-missing in subscription sub-1: none that the token can see/);
    await expect(annotate({ appInsights: '/subscriptions/x/oops' })).rejects.toThrow(/is not an Application Insights resource id/);
  });
});

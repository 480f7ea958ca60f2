import { checkTypes, branchControlTask } from './checks';
import { type AzdoConfig, parseAzdoConfig } from './config';
import { readAzdoCredential } from './credentials';
import type { RetryPolicy } from './http';
import { formatPlan } from './plan';
import { runSetup } from './setup';
import { restSetupApi } from './setup-api';
import { resolveTarget } from './target';
import { FakePipelinesApi } from './testing/fake-pipelines';
import { azdoError, throttled } from './testing/fake-server';

const configText = `
organization: contoso
project: Ship Yard
environments:
  dev:
    name: shipyard-dev
    description: development
  staging:
    name: shipyard-staging
    description: staging
    branchControl:
      allowedBranches: [refs/heads/main]
  prod:
    name: shipyard-prod
    description: production
    branchControl:
      allowedBranches: [refs/heads/main]
    approval:
      approvers: [release-lead@contoso.example, '[Ship Yard]\\Release Approvers']
      minRequired: 1
      instructions: Check the staging dashboards first.
`;

const leadId = '11111111-1111-4111-8111-111111111111';
const groupId = '22222222-2222-4222-8222-222222222222';

describe('azdo setup against a loopback Azure DevOps', () => {
  let fake: FakePipelinesApi;
  let config: AzdoConfig;
  let waits: number[];
  let log: string[];

  beforeEach(async () => {
    fake = await FakePipelinesApi.start();
    fake.identities = [
      { id: leadId, displayName: 'Release Lead', account: 'release-lead@contoso.example' },
      { id: groupId, displayName: '[Ship Yard]\\Release Approvers', account: '[Ship Yard]\\Release Approvers' },
    ];
    config = parseAzdoConfig(configText, 'azure-devops.yml');
    waits = [];
    log = [];
  });
  afterEach(() => fake.close());

  const policy = (): RetryPolicy => ({ attempts: 3, maxWaitMs: 5000, sleep: async (ms) => void waits.push(ms), log: (line) => log.push(line) });
  const api = (env: NodeJS.ProcessEnv = { SYSTEM_ACCESSTOKEN: fake.token }) => {
    const credential = readAzdoCredential(env);
    if (!credential) throw new Error('test setup: no credential');
    return restSetupApi(resolveTarget({ collectionUrl: fake.collectionUrl }, config, {}), credential, policy());
  };
  const run = (dryRun: boolean, env?: NodeJS.ProcessEnv) => runSetup({ config, api: api(env), dryRun, log: (line) => log.push(line) });

  it('--dry-run on an empty project plans every environment and check, and writes nothing', async () => {
    const report = await run(true);
    expect(formatPlan(report.plan)).toEqual([
      'create     environment shipyard-dev',
      'create     check shipyard-dev: exclusive lock',
      'create     environment shipyard-staging',
      'create     check shipyard-staging: branch control',
      'create     check shipyard-staging: exclusive lock',
      'create     environment shipyard-prod',
      'create     check shipyard-prod: approval',
      'create     check shipyard-prod: branch control',
      'create     check shipyard-prod: exclusive lock',
    ]);
    expect(report.summary).toEqual({ create: 9, update: 0, unchanged: 0, 'left alone': 0 });
    expect(fake.writes).toEqual([]);
    expect(fake.environments.size).toBe(0);
  });

  it('applies the plan with the bodies the API expects, then a second run changes nothing', async () => {
    const first = await run(false);
    expect(first.applied).toBe(9);
    expect([...fake.environments.values()].map((environment) => [environment.name, environment.description])).toEqual([
      ['shipyard-dev', 'development'],
      ['shipyard-staging', 'staging'],
      ['shipyard-prod', 'production'],
    ]);
    const prod = fake.checksOf('shipyard-prod');
    const approval = prod.find((check) => check.type.id === checkTypes.approval.id);
    expect(approval?.settings).toMatchObject({
      approvers: [
        { id: leadId, displayName: 'Release Lead' },
        { id: groupId, displayName: '[Ship Yard]\\Release Approvers' },
      ],
      minRequiredApprovers: 1,
      requesterCannotBeApprover: true,
      instructions: 'Check the staging dashboards first.',
    });
    expect(approval?.timeout).toBe(4320);
    const branch = prod.find((check) => check.type.id === checkTypes.taskCheck.id);
    expect(branch?.settings).toMatchObject({
      definitionRef: { ...branchControlTask },
      inputs: { allowedBranches: 'refs/heads/main', ensureProtectionOfBranch: 'false', allowUnknownStatusBranch: 'false' },
    });
    expect(fake.checksOf('shipyard-dev').map((check) => check.type.name)).toEqual(['ExclusiveLock']);
    const posts = fake.server.calls.filter((request) => request.method === 'POST' && request.path.includes('/checks/'));
    expect(posts.every((request) => request.query.get('api-version') === '7.1-preview.1')).toBe(true);
    expect(posts.every((request) => request.headers.authorization === `Bearer ${fake.token}`)).toBe(true);

    const writesBefore = fake.writes.length;
    const second = await run(false);
    expect(second.summary).toEqual({ create: 0, update: 0, unchanged: 9, 'left alone': 0 });
    expect(second.applied).toBe(0);
    expect(fake.writes.length).toBe(writesBefore);
  });

  it('updates only what drifted, and lists checks it does not manage without touching them', async () => {
    await run(false);
    const approval = fake.checksOf('shipyard-prod').find((check) => check.type.id === checkTypes.approval.id);
    if (!approval) throw new Error('no approval check');
    approval.settings = { ...approval.settings, approvers: [{ id: leadId }], minRequiredApprovers: 2 };
    const dev = [...fake.environments.values()].find((environment) => environment.name === 'shipyard-dev');
    if (dev) dev.description = 'edited by hand';
    const businessHours = fake.addCheck({ type: { ...checkTypes.taskCheck }, settings: { definitionRef: { id: '445fde2f-6c39-441c-807f-8a59ff2e075f' } }, resource: { type: 'environment', id: String(dev?.id) }, timeout: 60 });
    const writesBefore = fake.writes.length;

    const report = await run(false);
    const changed = report.plan.items.filter((item) => item.action !== 'unchanged');
    expect(formatPlan({ items: changed })).toEqual([
      'update     environment shipyard-dev (description changed)',
      `left alone check shipyard-dev: check ${businessHours.id} (a Task Check check shipyard does not manage)`,
      `update     check shipyard-prod: approval (approvers [${leadId}] → [${leadId}, ${groupId}]; minRequiredApprovers 2 → 1)`,
    ]);
    expect(fake.writes.slice(writesBefore)).toEqual([`PATCH Ship Yard/_apis/distributedtask/environments/${dev?.id}`, `PATCH Ship Yard/_apis/pipelines/checks/configurations/${approval.id}`]);
    expect(dev?.description).toBe('development');
    expect(fake.checks.get(approval.id)?.settings.minRequiredApprovers).toBe(1);
    expect(fake.checks.has(businessHours.id)).toBe(true);
  });

  it('waits out 429 Retry-After and gateway errors on reads within the bounds, then carries on', async () => {
    fake.server.failNext((request) => request.method === 'POST' && request.path.endsWith('/configurations'), throttled(2));
    fake.server.failNext((request) => request.method === 'GET' && request.path.endsWith('/configurations'), { status: 503 });
    const report = await run(false);
    expect(report.applied).toBe(9);
    expect(waits).toEqual([2000]);
    // A dry-run read first; the 503 is on a later read, retried with backoff.
    await run(true);
    expect(waits).toEqual([2000, 1000]);
    expect(log.filter((line) => line.includes('trying again'))).toHaveLength(2);
  });

  it('does not retry a 503 on a POST (it may have been carried out), and stops after the allowed 429s', async () => {
    fake.server.failNext((request) => request.method === 'POST' && request.path.endsWith('/environments'), { status: 503 });
    await expect(run(false)).rejects.toThrow(/creating environment shipyard-dev: HTTP 503[\s\S]*0 of 9 changes were made/);
    expect(waits).toEqual([]);
    fake.server.failNext((request) => request.method === 'POST' && request.path.endsWith('/environments'), throttled(1), 3);
    await expect(run(false)).rejects.toThrow(/still throttled \(429\) after the retries allowed/);
    expect(waits).toEqual([1000, 1000]);
  });

  it('an environment created meanwhile (409) is used instead of failing', async () => {
    fake.server.failNext((request) => {
      if (request.method !== 'POST' || !request.path.endsWith('/environments')) return false;
      fake.addEnvironment('shipyard-dev', 'development');
      return true;
    }, azdoError(409, 'Environment with name shipyard-dev already exists.', 'EnvironmentExistsException'));
    const report = await run(false);
    expect(report.applied).toBe(9);
    expect([...fake.environments.values()].filter((environment) => environment.name === 'shipyard-dev')).toHaveLength(1);
    expect(fake.checksOf('shipyard-dev')).toHaveLength(1);
  });

  it('names the missing permission: Administer on the environment for checks', async () => {
    fake.permissions.administer = ['shipyard-dev', 'shipyard-staging'];
    await expect(run(false)).rejects.toThrow(
      "adding the Approval check to environment shipyard-prod: permission denied (403): the token needs 'Administer' on environment shipyard-prod (the Administrator role in Pipelines › Environments › shipyard-prod › Security;",
    );
    await expect(run(false)).rejects.toThrow(/a personal access token also needs the scope Build \(Read & execute\), which the checks API asks for\)/);
    await expect(run(false)).rejects.toThrow(/it acts as the pipeline's build service identity \("Ship Yard Build Service \(contoso\)"/);
  });

  it('names the missing permission: Creator on environments, and Identity (Read) for approvers', async () => {
    fake.permissions.createEnvironments = false;
    await expect(run(false)).rejects.toThrow(/creating environment shipyard-dev: permission denied \(403\): the token needs the 'Creator' role on Pipelines › Environments › Security in project Ship Yard/);
    fake.permissions.readIdentities = false;
    await expect(run(true, { AZURE_DEVOPS_EXT_PAT: fake.token })).rejects.toThrow(
      /looking up approver "release-lead@contoso.example": permission denied \(403\): the token needs permission to read identities \(a personal access token needs the scope Identity \(Read\)\); it acts as the owner of the personal access token/,
    );
  });

  it('a refused token (401) says how to provide one, for the job token and for a PAT', async () => {
    await expect(run(true, { SYSTEM_ACCESSTOKEN: 'stale' })).rejects.toThrow(/the token was refused \(401\)\. Map the job token into the step \(env: \{ SYSTEM_ACCESSTOKEN: \$\(System.AccessToken\) \}\)/);
    await expect(run(true, { AZURE_DEVOPS_EXT_PAT: 'stale' })).rejects.toThrow(/the token was refused \(401\)\. The personal access token in AZURE_DEVOPS_EXT_PAT is expired/);
    // The PAT travels as Basic with the token as password, as azure-devops-node-api sends it.
    expect(fake.server.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('PAT:stale').toString('base64')}`);
  });

  it('a sign-in page (203) instead of the checks is a refused token, not an empty list', async () => {
    await run(false);
    fake.server.failNext((request) => request.method === 'GET' && request.path.endsWith('/configurations'), { status: 203, body: '<html>Sign in</html>' });
    await expect(run(true)).rejects.toThrow(/reading the checks of environment shipyard-dev: the token was refused \(401\)/);
  });

  it('an approver nobody matches stops before anything is written', async () => {
    fake.identities = fake.identities.slice(1);
    await expect(run(false)).rejects.toThrow(/looking up approver "release-lead@contoso.example": no active user or group matches/);
    expect(fake.writes).toEqual([]);
  });
});

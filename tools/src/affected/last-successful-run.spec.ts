import { FakeBuildsApi, type FakeBuild } from '../azdo/testing/fake-builds';
import { BuildsApiError, findLastSuccessfulRun } from './last-successful-run';
import type { BuildsApi } from './pipeline-env';

// Builds - List: statusFilter, resultFilter (flags: succeeded, partiallySucceeded, …), queryOrder
// (finishTimeDescending, …) and $top. Without queryOrder the service does not order by finish time.
// https://learn.microsoft.com/en-us/rest/api/azure/devops/build/builds/list?view=azure-devops-rest-7.1
// A continueOnError step that fails makes the run "partially succeeded":
// https://learn.microsoft.com/en-us/azure/devops/pipelines/process/tasks#task-control-options
// Timeline - Get (stage records with their result):
// https://learn.microsoft.com/en-us/rest/api/azure/devops/build/timeline/get?view=azure-devops-rest-7.1
const sha = (c: string) => c.repeat(40);
const run = (id: number, result: FakeBuild['result'], finished: number, stages: FakeBuild['stages'] = { ci: 'succeeded' }, queued = id): FakeBuild => ({
  id,
  buildNumber: `2026120${id}.1`,
  sourceVersion: sha(String(id)),
  result,
  finishTime: `2026-12-03T0${finished}:00:00Z`,
  queueTime: `2026-12-03T0${queued}:00:00Z`,
  stages,
});

describe('findLastSuccessfulRun (Builds API through azure-devops-node-api, loopback fake)', () => {
  let fake: FakeBuildsApi;
  let api: BuildsApi;
  beforeEach(async () => {
    fake = await FakeBuildsApi.start();
    api = { collectionUri: fake.collectionUrl, project: 'shipyard', definitionId: 5, accessToken: 'job-token' };
  });
  afterEach(() => fake.close());

  it('asks for completed runs on the branch, succeeded or partially succeeded, newest finished first', async () => {
    fake.builds.push(run(1, 'succeeded', 1));
    await findLastSuccessfulRun(api, 'refs/heads/main');
    const [query] = fake.listQueries;
    expect(query?.get('definitions')).toBe('5');
    expect(query?.get('branchName')).toBe('refs/heads/main');
    expect(query?.get('queryOrder')).toMatch(/^(3|finishTimeDescending)$/);
    expect(query?.get('resultFilter')).toMatch(/^(6|succeeded,partiallySucceeded)$/);
    expect(query?.get('statusFilter')).toMatch(/^(2|completed)$/);
  });

  it('takes the run that finished last, not the one queued last', async () => {
    // run 2 was queued after run 3 but finished before it
    fake.builds.push(run(2, 'succeeded', 4, { ci: 'succeeded' }, 5), run(3, 'succeeded', 6, { ci: 'succeeded' }, 3));
    expect(await findLastSuccessfulRun(api, 'refs/heads/main')).toEqual({ found: true, buildId: 3, buildNumber: '20261203.1', sourceVersion: sha('3') });
  });

  it('counts a partially succeeded run (annotate/workitems failed) whose CI stage succeeded', async () => {
    fake.builds.push(run(1, 'succeeded', 1), run(4, 'partiallySucceeded', 5, { ci: 'succeeded', deploy_dev: 'succeededWithIssues' }));
    expect(await findLastSuccessfulRun(api, 'refs/heads/main')).toMatchObject({ found: true, buildId: 4, sourceVersion: sha('4') });
  });

  it('skips a partially succeeded run whose CI stage did not succeed, and failed runs', async () => {
    fake.builds.push(run(1, 'succeeded', 1), run(4, 'partiallySucceeded', 5, { ci: 'succeededWithIssues' }), run(5, 'failed', 6));
    expect(await findLastSuccessfulRun(api, 'refs/heads/main')).toMatchObject({ found: true, buildId: 1 });
  });

  it('finds nothing on a first run', async () => {
    expect(await findLastSuccessfulRun(api, 'refs/heads/main')).toEqual({ found: false });
  });

  it('turns a refused token into a BuildsApiError that names the token', async () => {
    const refused = findLastSuccessfulRun({ ...api, accessToken: 'wrong' }, 'refs/heads/main', { policy: { attempts: 1, maxWaitMs: 0 } });
    await expect(refused).rejects.toThrow(BuildsApiError);
    await expect(findLastSuccessfulRun({ ...api, accessToken: 'wrong' }, 'refs/heads/main', { policy: { attempts: 1, maxWaitMs: 0 } })).rejects.toThrow(/SYSTEM_ACCESSTOKEN/);
    await expect(findLastSuccessfulRun({ ...api, accessToken: undefined }, 'refs/heads/main')).rejects.toThrow('SYSTEM_ACCESSTOKEN is not set');
  });
});

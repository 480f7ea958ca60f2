import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { runShipyard } from '../../testing/run-shipyard';
import { FakeBuildsApi } from '../azdo/testing/fake-builds';
import { workspaceRoot } from '../workspace/root';

/** Runs `shipyard affected` as the pipeline does, with Azure Pipelines' variables for a branch build. */
const runAffected = (args: string[], env: NodeJS.ProcessEnv) => runShipyard(args, { cwd: path.join(workspaceRoot, 'apps'), env });

const git = (...args: string[]) => execFileSync('git', args, { cwd: workspaceRoot, encoding: 'utf8' }).trim();

describe('shipyard affected (the command, in a simulated Azure Pipelines branch build)', () => {
  let fake: FakeBuildsApi;
  let collectionUri = '';
  beforeAll(async () => {
    fake = await FakeBuildsApi.start();
    collectionUri = fake.collectionUrl;
  });
  afterAll(() => fake.close());

  const azureEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, NX_DAEMON: 'false' };
    for (const name of Object.keys(env)) if (/^(SYSTEM_|BUILD_|TF_BUILD)/.test(name)) delete env[name];
    return {
      ...env,
      TF_BUILD: 'True',
      BUILD_REASON: 'IndividualCI',
      BUILD_SOURCEBRANCH: 'refs/heads/main',
      SYSTEM_COLLECTIONURI: collectionUri,
      SYSTEM_TEAMPROJECT: 'shipyard',
      SYSTEM_DEFINITIONID: '5',
      SYSTEM_ACCESSTOKEN: 'job-token',
    };
  };

  it('nothing since the last successful run: empty matrices and hasApps=false as output variables', async () => {
    const sourceVersion = git('rev-parse', 'HEAD');
    fake.builds.push({ id: 3, buildNumber: '20250102.1', sourceVersion, result: 'partiallySucceeded', finishTime: '2025-01-02T10:00:00Z', queueTime: '2025-01-02T09:00:00Z', stages: { ci: 'succeeded' } });
    const result = await runAffected(['affected', '--azure'], azureEnv());
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.code).toBe(0);
    const query = fake.listQueries.at(-1);
    expect([query?.get('definitions'), query?.get('branchName'), query?.get('queryOrder')]).toEqual(['5', 'refs/heads/main', expect.stringMatching(/^(3|finishTimeDescending)$/)]);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('##vso[task.setvariable variable=appsMatrix;isOutput=true]{}');
    expect(lines).toContain('##vso[task.setvariable variable=hasApps;isOutput=true]false');
    expect(lines).toContain(`##vso[task.setvariable variable=base;isOutput=true]${sourceVersion}`);
    expect(result.stderr).toContain('apps affected: 0 of 3');
  }, 90_000);

  it('API failure: a visible ##vso warning and HEAD~1 as the base', async () => {
    fake.server.failNext((request) => request.segments.at(-1) === 'builds' && request.method === 'GET', { status: 500, body: { message: 'boom' } }, 10);
    const result = await runAffected(['affected', '--azure', '--json'], azureEnv());
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^##vso\[task\.logissue type=warning\].*HTTP 500.*HEAD~1/m);
    const json = JSON.parse(result.stdout.slice(0, result.stdout.indexOf('##vso'))) as { base: string; how: string; apps: unknown[] };
    expect(json).toMatchObject({ base: git('rev-parse', 'HEAD~1'), how: 'previous-commit' });
  }, 90_000);

  it('--files with --json lists the app a file belongs to, with its reason', async () => {
    const result = await runAffected(['affected', '--json', '--files', 'apps/catalog-api/src/main.ts,docs/guide.md'], azureEnv());
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { apps: Array<{ name: string; reasons: string[] }> };
    expect(json.apps).toEqual([{ name: 'catalog-api', reasons: ['changed: apps/catalog-api/src/main.ts'] }]);
  }, 90_000);

  it('a bad --base is a usage error naming it', async () => {
    const result = await runAffected(['affected', '--base', 'no-such-rev'], azureEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--base "no-such-rev" does not name a commit in this repository');
  }, 90_000);
});

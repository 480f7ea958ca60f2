import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runShipyard } from '../../testing/run-shipyard';
import { workspaceRoot } from '../workspace/root';

/** Runs `shipyard affected` as the pipeline does, with Azure Pipelines' variables for a branch build. */
const runAffected = (args: string[], env: NodeJS.ProcessEnv) => runShipyard(args, { cwd: path.join(workspaceRoot, 'apps'), env });

const git = (...args: string[]) => execFileSync('git', args, { cwd: workspaceRoot, encoding: 'utf8' }).trim();

describe('shipyard affected (the command, in a simulated Azure Pipelines branch build)', () => {
  let server: Server;
  let status = 200;
  let sourceVersion = '';
  let collectionUri = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ count: 1, value: [{ id: 3, buildNumber: '20250102.1', sourceVersion }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    collectionUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contoso/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
    status = 200;
    sourceVersion = git('rev-parse', 'HEAD');
    const result = await runAffected(['affected', '--azure'], azureEnv());
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.code).toBe(0);
    expect(seen.at(-1)).toBe(
      '/contoso/shipyard/_apis/build/builds?definitions=5&branchName=refs/heads/main&statusFilter=completed&resultFilter=succeeded&$top=1&api-version=7.1 Bearer job-token',
    );
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('##vso[task.setvariable variable=appsMatrix;isOutput=true]{}');
    expect(lines).toContain('##vso[task.setvariable variable=hasApps;isOutput=true]false');
    expect(lines).toContain(`##vso[task.setvariable variable=base;isOutput=true]${sourceVersion}`);
    expect(result.stderr).toContain('apps affected: 0 of 3');
  }, 90_000);

  it('API failure: a visible ##vso warning and HEAD~1 as the base', async () => {
    status = 500;
    const result = await runAffected(['affected', '--azure', '--json'], azureEnv());
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^##vso\[task\.logissue type=warning\].*answered 500.*HEAD~1/m);
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

/**
 * The service generator end to end, in a throwaway copy of the workspace: generate a service
 * with a caller, then run what CI runs on it (lint, test, build, image, chart lint and verify)
 * and what the pipeline decides with it (affected, pipeline validation, release manifest),
 * and check that deleting the generated folders gives the workspace back.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCommand, type RunResult } from '../../process/run-command';
import { freePort, removeContainer, startContainer, waitFor200 } from '../../images/testing/containers';
import { localSchemaFile } from '../../pipelines/testing/local-schema';
import { workspaceRoot } from '../../workspace/root';
import { copyWorkspace, gitStatus, headSha, type WorkspaceCopy } from './testing/workspace-copy';

const service = 'orders-api';
const caller = 'storefront';
// The Azure Pipelines schema where the pipeline tests find it; without one (outside CI) the
// structural checks still run, and the schema ones are skipped with the helper's warning.
const pipelineSchema = localSchemaFile() ?? 'none';
const registry = '127.0.0.1:5000';
const dockerInfo = spawnSync('docker', ['info'], { encoding: 'utf8', timeout: 30_000 });
const dockerAvailable = dockerInfo.status === 0;
if (!dockerAvailable) {
  const why = (dockerInfo.error?.message ?? dockerInfo.stderr ?? '').trim().split('\n').slice(-2).join(' ');
  process.stdout.write(`SKIPPED: docker-build of the generated service: no Docker engine answers \`docker info\` (${why})\n`);
}

let copy: WorkspaceCopy;

/** Runs a command in the copy; resolves with its result whatever the exit code. */
function inCopy(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runCommand(command, args, { cwd: copy.root, env: { ...copy.env, ...env }, allowExitCodes: [...Array(256).keys()] });
}
const nx = (...args: string[]) => inCopy(path.join(copy.root, 'node_modules', '.bin', 'nx'), [...args, '--outputStyle=static']);
const shipyard = (args: string[], env: NodeJS.ProcessEnv = {}) => inCopy(path.join(copy.root, 'node_modules', '.bin', 'shipyard'), args, env);
const npm = (...args: string[]) => inCopy('npm', args);

function expectSuccess(result: RunResult, what: string): void {
  if (result.exitCode !== 0) throw new Error(`${what} exited with ${result.exitCode}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
}

function manifests(rendered: string): Array<{ kind: string; spec: Record<string, unknown> } & Record<string, unknown>> {
  return parseAllDocuments(rendered)
    .map((document) => document.toJS())
    .filter(Boolean);
}

const npmLockOnly = () => npm('install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier');

beforeAll(async () => {
  copy = copyWorkspace(workspaceRoot, 'shipyard-service-generator-');
  process.stdout.write(`workspace copy: ${copy.root}\n`);
  // The copy takes the working tree as it is; a package.json edited without `npm install` yet
  // would otherwise show up as a lockfile change of the generator. Committed, this is a no-op.
  expectSuccess(await npmLockOnly(), 'npm install --package-lock-only (baseline)');
  const drift = gitStatus(copy.root);
  if (drift.length > 0) {
    process.stdout.write(`the copied package-lock.json was out of step with the package.json files (${drift.join(', ')}): baseline updated\n`);
    await inCopy('git', ['-c', 'user.name=shipyard-test', '-c', 'user.email=shipyard-test@example.invalid', 'commit', '-q', '-a', '-m', 'lockfile in step']);
  }
}, 180_000);

afterAll(() => copy?.remove());

describe('before generating', () => {
  it('the copy has its own node_modules files: npm writes there never reach the original install', () => {
    expect(fs.lstatSync(path.join(copy.root, 'node_modules', '.package-lock.json')).isFile()).toBe(true);
    expect(fs.readlinkSync(path.join(copy.root, 'node_modules', '.bin', 'shipyard'))).toBe('../@shipyard/tools/bin/shipyard.cjs');
    expect(gitStatus(copy.root)).toEqual([]);
  });

  it('a bad name is rejected with the reason and nothing is written', async () => {
    const result = await nx('g', '@shipyard/tools:service', 'Orders API');
    expect(result.exitCode).not.toBe(0);
    expect(`${result.stdout}\n${result.stderr}`).toMatch(/Cannot create service "Orders API":\n\s+- contains uppercase letters \("O", "A", "P", "I"\)[^\n]*\n\s+- contains spaces[^\n]*\nTry "orders-api"\.\nNothing was written\./);
    expect(gitStatus(copy.root)).toEqual([]);
  }, 60_000);

  it('--dry-run lists the files it would create and writes nothing', async () => {
    const result = await nx('g', '@shipyard/tools:service', service, `--callers=${caller}`, '--dry-run');
    expectSuccess(result, 'nx g --dry-run');
    for (const file of [`apps/${service}/src/main.ts`, `apps/${service}/package.json`, `charts/${service}/values.yaml`, `charts/${service}/project.json`]) {
      expect(result.stdout).toContain(`CREATE ${file}`);
    }
    expect(result.stdout).toContain(`UPDATE charts/${caller}/values.yaml`);
    expect(result.stdout).toContain('UPDATE package-lock.json');
    expect(gitStatus(copy.root)).toEqual([]);
  }, 60_000);
});

describe('a generated service', () => {
  beforeAll(async () => {
    expectSuccess(await nx('g', '@shipyard/tools:service', service, `--callers=${caller}`, '--description=Takes orders.'), 'nx g @shipyard/tools:service');
  }, 120_000);

  it('changes only its own folders, package-lock.json and the caller chart', () => {
    expect(gitStatus(copy.root)).toEqual([` M charts/${caller}/README.md`, ` M charts/${caller}/values.yaml`, ' M package-lock.json', `?? apps/${service}/`, `?? charts/${service}/`]);
  });

  it('package-lock.json is what npm itself writes for the new workspace package', async () => {
    const generated = fs.readFileSync(path.join(copy.root, 'package-lock.json'), 'utf8');
    expectSuccess(await npmLockOnly(), 'npm install --package-lock-only');
    expect(fs.readFileSync(path.join(copy.root, 'package-lock.json'), 'utf8')).toBe(generated);
  }, 120_000);

  it('lints, tests and builds (its tests pass out of the box)', async () => {
    const result = await nx('run-many', '-t', 'lint', 'test', 'build', '-p', service);
    expectSuccess(result, `nx run-many -t lint test build -p ${service}`);
    expect(result.stdout).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(fs.existsSync(path.join(copy.root, 'apps', service, 'dist', 'main.js'))).toBe(true);
  }, 300_000);

  it('its chart and the caller chart pass lint and verify', async () => {
    expectSuccess(await nx('run-many', '-t', 'lint', 'test', '-p', `chart-${service}`, `chart-${caller}`), 'chart lint and verify');
  }, 300_000);

  it('its NetworkPolicy admits the caller, and the caller gets egress to it and its base URL', async () => {
    const own = await shipyard(['charts', 'render', service, '--env', 'dev']);
    expectSuccess(own, `charts render ${service}`);
    const policy = manifests(own.stdout).find((object) => object.kind === 'NetworkPolicy');
    expect(JSON.stringify(policy?.spec.ingress)).toContain(`"app.kubernetes.io/name":"${caller}"`);

    const callerRender = await shipyard(['charts', 'render', caller, '--env', 'dev']);
    expectSuccess(callerRender, `charts render ${caller}`);
    const objects = manifests(callerRender.stdout);
    const egress = JSON.stringify(objects.find((object) => object.kind === 'NetworkPolicy')?.spec.egress);
    expect(egress).toContain(`"app.kubernetes.io/name":"${service}"`);
    expect(JSON.stringify(objects.find((object) => object.kind === 'Deployment'))).toContain(`{"name":"ORDERS_API_BASE_URL","value":"http://${service}:80"}`);
  }, 120_000);

  it('shipyard affected lists it for a change in its code (image matrix) and its chart for a chart change', async () => {
    const app = await shipyard(['affected', '--files', `apps/${service}/src/main.ts`, '--json']);
    expectSuccess(app, 'shipyard affected');
    expect(JSON.parse(app.stdout).apps.map((entry: { name: string }) => entry.name)).toEqual([service]);

    const matrix = await shipyard(['affected', '--files', `apps/${service}/src/main.ts`, '--azure']);
    expectSuccess(matrix, 'shipyard affected --azure');
    expect(matrix.stdout).toContain(`variable=appsMatrix;isOutput=true]{"orders_api":{"app":"${service}"}}`);

    const chart = await shipyard(['affected', '--files', `charts/${service}/values.yaml`, '--json']);
    expectSuccess(chart, 'shipyard affected (chart)');
    expect(JSON.parse(chart.stdout).charts.map((entry: { name: string }) => entry.name)).toEqual([`chart-${service}`]);
  }, 120_000);

  it('shipyard pipelines validate still passes (against the schema when there is one), and no pipeline file changed', async () => {
    const result = await shipyard(['pipelines', 'validate', '--schema', pipelineSchema]);
    expectSuccess(result, 'shipyard pipelines validate');
    expect(result.stderr).toMatch(/0 error\(s\)/);
    expect(gitStatus(copy.root).filter((line) => /pipelines\/|azure-pipelines\.yml/.test(line))).toEqual([]);
  }, 120_000);

  it('shipyard release create puts it in the release manifest', async () => {
    const sha = headSha(copy.root);
    const listed = await nx('show', 'projects', '--projects=tag:type:app', '--json');
    expectSuccess(listed, 'nx show projects');
    const apps = (JSON.parse(listed.stdout.slice(listed.stdout.indexOf('['))) as string[]).sort();
    expect(apps).toContain(service);
    const typed = await nx('show', 'projects', '--type', 'app', '--json');
    expectSuccess(typed, 'nx show projects --type app');
    expect((JSON.parse(typed.stdout.slice(typed.stdout.indexOf('['))) as string[]).sort()).toEqual(apps);
    const images = Object.fromEntries(
      apps.map((app, index) => {
        const digest = `sha256:${String(index + 1).repeat(64)}`;
        return [app, { repository: `${registry}/${app}`, tag: sha, digest, reference: `${registry}/${app}@${digest}` }];
      }),
    );
    const imagesFile = path.join(copy.root, 'dist', 'images.json');
    const releaseFile = path.join(copy.root, 'dist', 'release.json');
    fs.mkdirSync(path.dirname(imagesFile), { recursive: true });
    fs.writeFileSync(imagesFile, JSON.stringify(images));
    // Every chart of this first release is pushed as an OCI artifact, as the pipeline's release job does.
    const chartsFile = path.join(copy.root, 'dist', 'charts.json');
    expectSuccess(await shipyard(['charts', 'push', '--all', '--sha', sha, '--out', chartsFile, '--registry', registry]), 'shipyard charts push');
    expectSuccess(await shipyard(['release', 'create', '--sha', sha, '--images', imagesFile, '--charts', chartsFile, '--out', releaseFile, '--registry', registry]), 'shipyard release create');
    const release = JSON.parse(fs.readFileSync(releaseFile, 'utf8'));
    expect(Object.keys(release.apps).sort()).toEqual(apps);
    expect(release.apps[service]).toMatchObject({
      image: { repository: service, tag: sha, digest: images[service].digest },
      chart: { name: service, version: `0.1.0-${sha.slice(0, 12)}`, repository: `helm/${service}`, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
      gitSha: sha,
    });
  }, 120_000);

  (dockerAvailable ? it : it.skip)(
    'docker-build builds its image, which serves, and stops cleanly on SIGTERM',
    async () => {
      const env = { SHIPYARD_BASE_REGISTRY: registry, SHIPYARD_REGISTRY: registry, SHIPYARD_SOURCE_URL: 'https://example.invalid/shipyard/service-generator-test.git' };
      const registryWasUp = (await shipyard(['registry', 'status'], env)).stdout.includes('running');
      expectSuccess(await shipyard(['registry', 'up'], env), 'shipyard registry up');
      const image = `${registry}/${service}:${headSha(copy.root)}-dirty`;
      const container = `shipyard-${service}-generator-test`;
      try {
        expectSuccess(await shipyard(['images', 'base'], env), 'shipyard images base');
        const built = await inCopy(path.join(copy.root, 'node_modules', '.bin', 'nx'), ['run', `${service}:docker-build`, '--outputStyle=static'], env);
        expectSuccess(built, `nx run ${service}:docker-build`);
        expect(`${built.stdout}${built.stderr}`).toContain(`built ${image}`);

        const port = await freePort();
        await startContainer(image, container, { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' });
        expect(await waitFor200(`http://127.0.0.1:${port}/healthz/ready`, Date.now(), 30_000)).not.toBeNull();
        const greeting = await fetch(`http://127.0.0.1:${port}/greetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' });
        expect({ status: greeting.status, body: await greeting.json() }).toEqual({ status: 200, body: { greeting: 'Hello, Ada!' } });
        expectSuccess(await runCommand('docker', ['stop', '--time', '20', container]), 'docker stop');
        expect((await runCommand('docker', ['inspect', '--format', '{{.State.ExitCode}}', container])).stdout.trim()).toBe('0');
      } finally {
        await removeContainer(container);
        await runCommand('docker', ['rmi', '--force', image], { allowExitCodes: [1] });
        if (!registryWasUp) await shipyard(['registry', 'down'], env);
      }
    },
    20 * 60_000,
  );

  it('removing the generated folders gives the workspace back, except the callee entry the caller chart keeps', async () => {
    fs.rmSync(path.join(copy.root, 'apps', service), { recursive: true });
    fs.rmSync(path.join(copy.root, 'charts', service), { recursive: true });
    expectSuccess(await npmLockOnly(), 'npm install --package-lock-only');
    expect(gitStatus(copy.root)).toEqual([` M charts/${caller}/README.md`, ` M charts/${caller}/values.yaml`]);
    const diff = await inCopy('git', ['diff', '--numstat', '--', `charts/${caller}`]);
    expect(diff.stdout.trim().split('\n').sort()).toEqual([`1\t1\tcharts/${caller}/README.md`, `5\t0\tcharts/${caller}/values.yaml`]);

    expectSuccess(await inCopy('git', ['checkout', '--', `charts/${caller}`]), 'git checkout');
    expect(gitStatus(copy.root)).toEqual([]);
  }, 120_000);
});

/**
 * `shipyard rehearse` end to end against the real Docker engine, in a fresh clone of this
 * workspace: a cold rehearsal (every stage, a quote through the storefront, telemetry
 * arrived), a one-line change in one service (only its image and container change), a change
 * that breaks the smoke test (rolled back to the previous digest), and --down (nothing left);
 * then `--target kube`: the same release line deployed by the real helm into the local
 * Kubernetes (upstream binaries, started by the rehearsal), served from pods, telemetry from
 * the pods, and --down taking the cluster down.
 * Nx runs only `build` here to bound the time; lint and test run in their own CI targets.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { oneLineChange } from '../../../benchmarks/rehearsal';
import { workspaceId } from './docker-run';
import { cloneWorkspace, type WorkspaceClone } from './clone';
import { portLayout, rehearsalPorts } from './ports';
import type { RehearsalOutcome } from './run-rehearsal';
import { readState, statePaths } from './state';
import { accepting } from '../loopback';
import { clusterLeftovers, clusterStatus, gatherPlatformFacts } from '../cluster/cluster';
import { preflightProblems } from '../cluster/preflight';
import { defaultHelm } from '../../helm/binary';
import { shipyardCacheDir } from '../../images/cache-dir';

const dockerReachable = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' }).status === 0;
if (!dockerReachable) process.stderr.write('rehearse.int.spec: SKIPPED — no Docker engine reachable (`docker info` failed); start dockerd to run it\n');
if (!dockerReachable && (process.env.CI || process.env.TF_BUILD)) throw new Error('rehearse.int.spec must run in CI: no Docker engine reachable (`docker info` failed)');
const describeWithDocker = dockerReachable ? describe : describe.skip;

// The kube rehearsal needs what `shipyard cluster up` needs; a machine without it skips loudly (a failure under CI).
const clusterProblems = preflightProblems(gatherPlatformFacts());
if (clusterProblems.length > 0) {
  const why = `no local Kubernetes here:\n${clusterProblems.map((problem) => `  - ${problem}`).join('\n')}`;
  if (process.env.CI || process.env.TF_BUILD) throw new Error(`the kube rehearsal must run in CI: ${why}`);
  process.stderr.write(`\n*** SKIPPING rehearse --target kube: ${why} ***\n`);
}
const itWithCluster = clusterProblems.length > 0 ? it.skip : it;

const portBase = 18600;
const apps = ['catalog-api', 'checkout-api', 'storefront'];
jest.setTimeout(6 * 60_000);

let clone: WorkspaceClone;
const outcomes: RehearsalOutcome[] = [];

async function rehearse(target: 'docker' | 'kube' = 'docker'): Promise<{ code: number; outcome: RehearsalOutcome; stderr: string }> {
  const result = await clone.shipyard(['rehearse', '--target', target, '--port-base', String(portBase), '--targets', 'build', '--smoke-attempts', target === 'kube' ? '10' : '2', '--json']);
  let outcome: RehearsalOutcome;
  try {
    outcome = JSON.parse(result.stdout) as RehearsalOutcome;
  } catch {
    throw new Error(`rehearse printed no outcome (exit ${result.code}):\n${result.stderr.split('\n').slice(-40).join('\n')}`);
  }
  outcomes.push(outcome);
  return { code: result.code, outcome, stderr: result.stderr };
}

async function commit(message: string): Promise<void> {
  await clone.git(['commit', '-q', '-am', message]);
}

const imageOf = (containerId: string) => spawnSync('docker', ['inspect', '--format', '{{.Config.Image}}', containerId], { encoding: 'utf8' }).stdout.trim();

/** Gone or a zombie (the detached processes' parent exited; whoever reaps orphans here may not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}


describeWithDocker(`shipyard rehearse${dockerReachable ? '' : ' (skipped: no Docker engine reachable)'}`, () => {
  beforeAll(async () => {
    clone = await cloneWorkspace('shipyard-rehearse-int-');
  });

  afterAll(async () => {
    if (!clone) return;
    await clone.shipyard(['rehearse', '--down']);
    clone.dispose();
  });

  it('rehearses a fresh clone: every stage succeeds, a quote goes through the storefront, telemetry arrives', async () => {
    const { code, outcome, stderr } = await rehearse();
    expect({ code, failed: outcome.stages.filter((s) => s.result !== 'ok') }).toEqual({ code: 0, failed: [] });
    expect(outcome.stages.map((s) => s.stage)).toEqual(['affected', 'lint/test/build', 'images', 'registry + release', 'charts dev', 'deploy dev', 'smoke dev', 'telemetry dev']);
    expect(outcome.apps.built).toEqual(apps);
    expect(stderr).toMatch(/\[rehearse \d+:\d\d\] ── images/);

    const response = await fetch(`${outcome.urls.storefront.dev}/api/checkout/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ productId: 'house-espresso-beans', quantity: 1 }] }),
    });
    expect(response.status).toBe(200);
    const quote = (await response.json()) as { totalCents: number; subtotalCents: number; taxCents: number };
    expect(quote.totalCents).toBe(quote.subtotalCents + quote.taxCents);

    const telemetry = outcome.telemetry.dev;
    expect(telemetry.ok).toBe(true);
    for (const app of apps) expect(telemetry.requests[app]).toBeGreaterThan(0);
    expect(telemetry.correlatedOperations).toBeGreaterThan(0);
    for (const app of apps) expect(imageOf(outcome.containers.dev[app])).toBe(`127.0.0.1:5000/${app}@${outcome.digests[app]}`);
  });

  it('after a one-line change in one service, rebuilds, pushes and replaces only that service', async () => {
    const [before] = outcomes;
    const changed = oneLineChange(clone.dir, 'catalog-api');
    await commit('one-line change in catalog-api');
    const { code, outcome } = await rehearse();
    expect(code).toBe(0);
    expect(outcome.apps.built).toEqual(['catalog-api']);
    const changedDigests = apps.filter((app) => outcome.digests[app] !== before.digests[app]);
    const changedContainers = apps.filter((app) => outcome.containers.dev[app] !== before.containers.dev[app]);
    expect({ changedDigests, changedContainers }).toEqual({ changedDigests: ['catalog-api'], changedContainers: ['catalog-api'] });
    // The new container runs the changed code (Nx rebuilt it before the image was built).
    const marker = readFileSync(path.join(clone.dir, changed), 'utf8').trim().split('\n').at(-1) ?? '';
    const shipped = spawnSync('docker', ['exec', outcome.containers.dev['catalog-api'], '/nodejs/bin/node', '-e', "process.stdout.write(require('fs').readFileSync('/srv/dist/main.js','utf8'))"], { encoding: 'utf8' }).stdout;
    expect(shipped).toContain(/rehearsalMarker = (\d+)/.exec(marker)?.[1]);
  });

  it('rolls back to the previous release when the smoke test fails', async () => {
    const previous = outcomes[1];
    const pricing = path.join(clone.dir, 'apps', 'checkout-api', 'src', 'pricing.ts');
    const source = readFileSync(pricing, 'utf8');
    const broken = source.replace('totalCents: toSafeNumber(BigInt(subtotalCents) + BigInt(tax)),', 'totalCents: toSafeNumber(BigInt(subtotalCents) + BigInt(tax) + 1n),');
    expect(broken).not.toBe(source);
    writeFileSync(pricing, broken);
    await commit('checkout-api: a quote that does not add up');
    const { code, outcome } = await rehearse();
    expect(code).toBe(1);
    expect(outcome.stages.find((s) => s.stage === 'smoke dev')?.result).toBe('rolled back');
    expect(outcome.digests['checkout-api']).not.toBe(previous.digests['checkout-api']);
    for (const app of apps) expect(imageOf(outcome.containers.dev[app])).toBe(`127.0.0.1:5000/${app}@${previous.digests[app]}`);
  });

  it('--down leaves no container, process or listening port behind', async () => {
    const state = readState(statePaths(clone.dir));
    const pids = [state.proxy?.pid, state.telemetry?.pid].filter((pid): pid is number => Boolean(pid));
    expect(pids).toHaveLength(2);
    const result = await clone.shipyard(['rehearse', '--down']);
    expect(result.code).toBe(0);
    const containers = spawnSync('docker', ['ps', '--all', '--quiet', '--filter', 'label=shipyard.rehearsal=1', '--filter', `label=shipyard.workspace=${workspaceId(clone.dir)}`], { encoding: 'utf8' }).stdout.trim();
    expect(containers).toBe('');
    expect(pids.filter(running)).toEqual([]);
    const ports = rehearsalPorts(portLayout(portBase, apps), ['dev']);
    const open = [];
    for (const port of ports) if (await accepting(port)) open.push(port);
    expect(open).toEqual([]);
  });

  itWithCluster(
    '--target kube: the release deployed by helm into the local Kubernetes it starts, a quote served from pods, telemetry from the pods',
    async () => {
      // Back to a release whose smoke test passes: a first deploy has no previous release to roll back to.
      await clone.git(['revert', '--no-edit', 'HEAD']);
      const { code, outcome, stderr } = await rehearse('kube');
      expect({ code, failed: outcome.stages.filter((s) => s.result !== 'ok'), tail: code === 0 ? '' : stderr.split('\n').slice(-30).join('\n') }).toEqual({ code: 0, failed: [], tail: '' });
      expect(outcome.target).toMatchObject({ kind: 'kube', cluster: 'the local cluster "local"' });
      expect(outcome.apps.built).toEqual(['checkout-api']);
      expect(stderr).toContain('cluster local is up in');
      expect(apps.filter((app) => (outcome.pods.dev[app] ?? []).length === 0)).toEqual([]);
      expect(Object.keys(outcome.containers)).toEqual([]);

      const response = await fetch(`${outcome.urls.storefront.dev}/api/checkout/quotes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ productId: 'house-espresso-beans', quantity: 2 }] }),
      });
      expect(response.status).toBe(200);
      const quote = (await response.json()) as { totalCents: number; subtotalCents: number; taxCents: number };
      expect(quote.totalCents).toBe(quote.subtotalCents + quote.taxCents);

      // Telemetry from the pods: cloud role per service, tagged with the pod's name.
      for (const app of apps) expect(outcome.telemetry.dev.requests[app]).toBeGreaterThan(0);
      expect(outcome.telemetry.dev.correlatedOperations).toBeGreaterThan(0);
      // Calls between pods go to the Services' names (the Docker stand-in's go to 127.0.0.1).
      expect(Object.keys(outcome.telemetry.dev.dependencies)).toEqual(expect.arrayContaining(['storefront → catalog-api', 'storefront → checkout-api', 'checkout-api → catalog-api']));

      const status = await clusterStatus({ cacheDir: shipyardCacheDir(), name: 'local' });
      const helm = (await defaultHelm()).path;
      const listed = spawnSync(helm, ['list', '--namespace', 'shipyard', '-o', 'json', '--kubeconfig', status.kubeconfigs?.deployer ?? ''], { encoding: 'utf8' });
      const releases = JSON.parse(listed.stdout) as Array<{ name: string; status: string }>;
      expect(releases.map((release) => [release.name, release.status])).toEqual(apps.map((app) => [app, 'deployed']));
    },
    20 * 60_000,
  );

  itWithCluster(
    '--down after a kube rehearsal stops the port-forwards and takes down the cluster it started',
    async () => {
      const state = readState(statePaths(clone.dir));
      expect(state.cluster).toEqual({ name: 'local', startedByRehearsal: true });
      const forwards = state.forwards?.pid ?? 0;
      expect(running(forwards)).toBe(true);
      const result = await clone.shipyard(['rehearse', '--down']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('took the local cluster "local" down') });
      expect(running(forwards)).toBe(false);
      expect(clusterLeftovers(shipyardCacheDir(), 'local')).toEqual({ processes: [], mounts: [], netns: false, cgroups: [], files: false });
      const open = [];
      for (const port of rehearsalPorts(portLayout(portBase, apps), ['dev'])) if (await accepting(port)) open.push(port);
      expect(open).toEqual([]);
    },
    5 * 60_000,
  );
});

/**
 * `shipyard rehearse` end to end against the real Docker engine, in a fresh clone of this
 * workspace: a cold rehearsal (every stage, a quote through the storefront, telemetry
 * arrived), a one-line change in one service (only its image and container change), a change
 * that breaks the smoke test (rolled back to the previous digest), and --down (nothing left).
 * Nx runs only `build` here to bound the time; lint and test run in their own CI targets.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { oneLineChange } from './benchmark';
import { workspaceId } from './docker-run';
import { cloneWorkspace, type WorkspaceClone } from './clone';
import { portLayout, rehearsalPorts } from './ports';
import type { RehearsalOutcome } from './run-rehearsal';
import { readState, statePaths } from './state';

const dockerReachable = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' }).status === 0;
if (!dockerReachable) process.stderr.write('rehearse.int.spec: SKIPPED — no Docker engine reachable (`docker info` failed); start dockerd to run it\n');
const describeWithDocker = dockerReachable ? describe : describe.skip;

const portBase = 18600;
const apps = ['catalog-api', 'checkout-api', 'storefront'];
jest.setTimeout(6 * 60_000);

let clone: WorkspaceClone;
const outcomes: RehearsalOutcome[] = [];

async function rehearse(): Promise<{ code: number; outcome: RehearsalOutcome; stderr: string }> {
  const result = await clone.shipyard(['rehearse', '--port-base', String(portBase), '--targets', 'build', '--smoke-attempts', '2', '--json']);
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

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
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
    for (const port of ports) if (await listening(port)) open.push(port);
    expect(open).toEqual([]);
  });
});

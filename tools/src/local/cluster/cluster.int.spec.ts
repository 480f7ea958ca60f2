/**
 * The charts against a real Kubernetes: `shipyard cluster up` (upstream 1.35 control plane,
 * kubelet, containerd, CoreDNS, kube-proxy in a network namespace), images built by `shipyard
 * images build` and pushed to the local registry, the pinned helm and kubectl as the
 * namespace-scoped deployer, then `shipyard cluster down`. Needs root, Go, Docker and the
 * local registry (127.0.0.1:5000), as `.ci/run` provides. Everything goes through the two
 * kubeconfigs `cluster up` wrote (server 127.0.0.1).
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { readDigestFile } from '../../images/digest-file';
import { readChart } from '../../charts/layout';
import { environmentValueArgs } from '../../charts/render';
import { defaultHelm, defaultKubectl } from '../../helm/binary';
import { runCommand, type RunResult } from '../../process/run-command';
import { freePort } from '../../images/testing/containers';
import { registryLayout } from '../registry/registry-settings';
import { portForward } from '../../smoke/port-forward';
import { runShipyard } from '../../../testing/run-shipyard';
import { workspaceRoot } from '../../workspace/root';
import { clusterLeftovers, gatherPlatformFacts } from './cluster';
import { preflightProblems } from './preflight';
import { pinnedKubernetesVersion } from './build';

// A machine that cannot run the cluster (not root, no Go, not Linux) skips these tests with a loud
// line naming what is missing; under CI (CI or TF_BUILD) that is a failure instead.
const unavailable = preflightProblems(gatherPlatformFacts());
if (unavailable.length > 0) {
  const why = `no local Kubernetes here:\n${unavailable.map((problem) => `  - ${problem}`).join('\n')}`;
  if (process.env.CI || process.env.TF_BUILD) throw new Error(`the cluster tests must run in CI: ${why}`);
  console.warn(`\n*** SKIPPING the cluster integration tests: ${why} ***\n`);
}
const describeCluster = unavailable.length > 0 ? describe.skip : describe;

const apps = ['catalog-api', 'checkout-api', 'storefront'];
const name = 'int';
const registry = '127.0.0.1:5000';
const namespace = 'shipyard';
const minutes = 60_000;

let work: string;
let cacheDir: string;
let admin: string;
let deployer: string;
let helm: string;
let kubectl: string;
let images: ReturnType<typeof readDigestFile>;

// As the images integration test builds them: bases from the local registry, a placeholder source label.
const env = () => ({ ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', SHIPYARD_BASE_REGISTRY: registry, SHIPYARD_REGISTRY: registry, SHIPYARD_SOURCE_URL: 'https://example.invalid/shipyard/cluster-test.git' });

function as(kubeconfig: string, command: string, args: string[], input?: string): Promise<RunResult> {
  return runCommand(command, args, { env: { ...process.env, KUBECONFIG: kubeconfig }, cwd: workspaceRoot, allowExitCodes: [1], input });
}

function anonymousRegistryStatus(route: string): Promise<number | undefined> {
  const ca = readFileSync(registryLayout(cacheDir).certFile, 'utf8');
  return new Promise((resolve, reject) => {
    https.get(`https://${registry}${route}`, { ca, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

const helmAs = (kubeconfig: string, ...args: string[]) => as(kubeconfig, helm, args);
const kubectlAs = (kubeconfig: string, ...args: string[]) => as(kubeconfig, kubectl, args);

/** `helm upgrade --install` exactly as `shipyard deploy` builds it (environment values, then the image by digest). */
function upgrade(app: string, extra: string[] = [], timeout = '5m'): Promise<RunResult> {
  const chartDir = path.join('charts', app);
  const values = environmentValueArgs(readChart(path.join(workspaceRoot, chartDir)), 'dev', images[app]).map((arg) => (path.isAbsolute(arg) ? path.relative(workspaceRoot, arg) : arg));
  return helmAs(deployer, 'upgrade', '--install', app, chartDir, '--namespace', namespace, '--rollback-on-failure', '--wait=watcher', '--timeout', timeout, ...values, ...extra);
}

async function deploymentGenerations(): Promise<Record<string, number>> {
  const { stdout } = await kubectlAs(deployer, 'get', 'deployments', '-o', 'json');
  const list = JSON.parse(stdout) as { items: Array<{ metadata: { name: string; generation: number } }> };
  return Object.fromEntries(list.items.map((item) => [item.metadata.name, item.metadata.generation]));
}

/**
 * Waits until every HorizontalPodAutoscaler has taken its Deployment to its minReplicas and the
 * Deployment controller has seen that change. With autoscaling on, the chart leaves spec.replicas
 * to the HPA, so a fresh install starts at 1 and the HPA scales it up on its next sync (15 s):
 * that scale-up bumps the Deployment's generation, and must be over before a test compares them.
 */
async function autoscalersSettled(timeoutMs = 120_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hpas = JSON.parse((await kubectlAs(deployer, 'get', 'horizontalpodautoscalers', '-o', 'json')).stdout) as { items: Array<{ spec: { minReplicas: number; scaleTargetRef: { name: string } } }> };
    const deployments = JSON.parse((await kubectlAs(deployer, 'get', 'deployments', '-o', 'json')).stdout) as { items: Array<{ metadata: { name: string; generation: number }; spec: { replicas: number }; status: { observedGeneration?: number } }> };
    const replicas = Object.fromEntries(deployments.items.map((item) => [item.metadata.name, item.spec.replicas]));
    const settled = hpas.items.every((hpa) => (replicas[hpa.spec.scaleTargetRef.name] ?? 0) >= hpa.spec.minReplicas) && deployments.items.every((item) => item.status.observedGeneration === item.metadata.generation);
    if (settled) return replicas;
    if (Date.now() > deadline) throw new Error(`the autoscalers did not reach their minReplicas in ${timeoutMs} ms: ${JSON.stringify(replicas)}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function quote(): Promise<{ status: number; body: { totalCents?: number; subtotalCents?: number; taxCents?: number } }> {
  const forward = await portForward('storefront', { namespace, kubeconfig: deployer, kubectl, timeoutMs: 30_000 });
  try {
    const response = await fetch(`${forward.url}/api/checkout/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ productId: 'house-espresso-beans', quantity: 1 }] }),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: (await response.json()) as { totalCents?: number } };
  } finally {
    forward.close();
  }
}

describeCluster('the charts on a real cluster, as the namespace-scoped deployer', () => {
  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'shipyard-cluster-int-'));
    cacheDir = process.env.SHIPYARD_CACHE ?? path.join(os.homedir(), '.cache', 'shipyard');
    helm = (await defaultHelm()).path;
    kubectl = await defaultKubectl();
    const apiPort = await freePort();
    admin = path.join(work, 'admin.kubeconfig');
    deployer = path.join(work, 'deployer.kubeconfig');
    const up = await runShipyard(['cluster', 'up', '--name', name, '--api-port', String(apiPort), '--kubeconfig-out', admin, '--deployer-kubeconfig-out', deployer], { env: env() });
    if (up.code !== 0) throw new Error(`cluster up failed (${up.code}):\n${up.stderr}`);
    const built = await runShipyard(['images', 'build', ...apps, '--registry', registry], { env: env() });
    if (built.code !== 0) throw new Error(`images build failed:\n${built.stderr}`);
    const digestFile = path.join(work, 'images.json');
    const pushed = await runShipyard(['images', 'push', ...apps, '--registry', registry, '--digest-file', digestFile], { env: env() });
    if (pushed.code !== 0) throw new Error(`images push failed:\n${pushed.stderr}`);
    images = readDigestFile(digestFile);
    // The generic chart first: helm packs a file:// dependency as it finds it (as deploy does, helm-commands.ts).
    for (const chart of ['service', ...apps]) await runCommand(helm, ['dependency', 'update', path.join('charts', chart), '--skip-refresh'], { cwd: workspaceRoot });
  }, 90 * minutes);

  afterAll(async () => {
    // Taken down in the last test; this is the safety net when an earlier one failed.
    await runShipyard(['cluster', 'down', '--name', name], { env: env() });
    rmSync(work, { recursive: true, force: true });
  }, 5 * minutes);

  it('reports the pinned Kubernetes release (what helm checks a chart\'s kubeVersion against)', async () => {
    const version = JSON.parse((await kubectlAs(deployer, 'version', '-o', 'json')).stdout) as { serverVersion: { gitVersion: string; major: string; minor: string } };
    expect(version.serverVersion).toMatchObject({ gitVersion: pinnedKubernetesVersion(), major: '1', minor: pinnedKubernetesVersion().split('.')[1] });
  });

  it('installs all three charts in shipyard; every rollout completes', async () => {
    // The Application Insights connection string Secret that set-up (tools/azure/setup.sh) creates;
    // its endpoint is the pod's own loopback, so the SDK sends nothing anywhere.
    const secret = await kubectlAs(deployer, 'create', 'secret', 'generic', 'appinsights-connection', '--from-literal=connection-string=InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/;LiveEndpoint=https://127.0.0.1:9/');
    expect(secret.exitCode).toBe(0);
    for (const app of apps) {
      const result = await upgrade(app);
      expect({ app, code: result.exitCode, stderr: result.stderr }).toEqual({ app, code: 0, stderr: expect.any(String) });
    }
    for (const app of apps) expect((await kubectlAs(deployer, 'rollout', 'status', `deployment/${app}`, '--timeout', '120s')).exitCode).toBe(0);
    const list = JSON.parse((await helmAs(deployer, 'list', '--namespace', namespace, '-o', 'json')).stdout) as Array<{ name: string; status: string }>;
    expect(list.map((release) => [release.name, release.status])).toEqual(apps.map((app) => [app, 'deployed']));
    // dev's autoscaling.minReplicas (charts/environments/dev.yaml), reached by the real HPA controller.
    expect(await autoscalersSettled()).toEqual(Object.fromEntries(apps.map((app) => [app, 2])));
    // The registry answers nobody anonymously: the node pulled these images with the login its
    // kubelet credential provider handed out.
    expect(await anonymousRegistryStatus(`/v2/${apps[0]}/tags/list`)).toBe(401);
  }, 30 * minutes);

  it('serves a quote through the storefront (kubectl port-forward, cluster DNS, Service VIPs)', async () => {
    const { status, body } = await quote();
    expect(status).toBe(200);
    expect(body.totalCents).toBe((body.subtotalCents ?? NaN) + (body.taxCents ?? NaN));
  }, 5 * minutes);

  it("keeps the storefront's /healthz off its Service (what its ingress routes to); its pods answer them on the health port", async () => {
    const service = await portForward('storefront', { namespace, kubeconfig: deployer, kubectl, timeoutMs: 30_000 });
    try {
      expect((await fetch(`${service.url}/healthz/ready`, { signal: AbortSignal.timeout(15_000) })).status).toBe(404);
    } finally {
      service.close();
    }
    const health = await portForward('storefront', { namespace, kubeconfig: deployer, kubectl, target: 'health', timeoutMs: 30_000 });
    try {
      const response = await fetch(`${health.url}/healthz/ready`, { signal: AbortSignal.timeout(15_000) });
      expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 200, body: { status: 'ready', checks: { catalog: { status: 'pass' }, checkout: { status: 'pass' } } } });
    } finally {
      health.close();
    }
  }, 5 * minutes);

  it('shipyard smoke passes through kubectl port-forward', async () => {
    const forward = await portForward('storefront', { namespace, kubeconfig: deployer, kubectl, timeoutMs: 30_000 });
    try {
      const smoke = await runShipyard(['smoke', '--env', 'dev', '--namespace', namespace, '--base-url', forward.url, '--attempts', '5'], { env: { ...env(), KUBECONFIG: deployer, SHIPYARD_KUBECTL: kubectl } });
      expect({ code: smoke.code, stderr: smoke.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/catalog-api: http:\/\/127\.0\.0\.1:\d+ \(port-forward\)/) });
      expect(smoke.stderr).toMatch(/storefront: http:\/\/127\.0\.0\.1:\d+ \(option\) — entry; health http:\/\/127\.0\.0\.1:\d+ \(port-forward to the health port\)/);
    } finally {
      forward.close();
    }
  }, 5 * minutes);

  it('an upgrade of one service changes only that Deployment, and its history shows it in helm 4 JSON', async () => {
    await autoscalersSettled();
    const before = await deploymentGenerations();
    const result = await upgrade('catalog-api', ['--set-string', 'service.logLevel=info']);
    expect(result.exitCode).toBe(0);
    const after = await deploymentGenerations();
    expect(apps.filter((app) => after[app] !== before[app])).toEqual(['catalog-api']);
    const history = JSON.parse((await helmAs(deployer, 'history', 'catalog-api', '--namespace', namespace, '-o', 'json')).stdout) as Array<Record<string, unknown>>;
    expect(history.map((entry) => [entry.revision, entry.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
    // The fields deploy's readDeployedState parses (tools/src/deploy/deployed-state.ts).
    expect(Object.keys(history[1])).toEqual(expect.arrayContaining(['revision', 'status', 'chart', 'description', 'updated']));
  }, 10 * minutes);

  it('a release whose readiness never passes is rolled back by --rollback-on-failure; the previous revision keeps serving', async () => {
    // An image that starts and exits at once (the Node base without an app): never Ready.
    const base = await runCommand('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${registry}/distroless/nodejs24-debian12:nonroot`]);
    const broken = await upgrade('checkout-api', ['--set-string', `service.image.repository=${registry}/distroless/nodejs24-debian12`, '--set-string', `service.image.digest=${base.stdout.trim()}`], '90s');
    expect(broken.exitCode).not.toBe(0);
    const history = JSON.parse((await helmAs(deployer, 'history', 'checkout-api', '--namespace', namespace, '-o', 'json')).stdout) as Array<{ revision: number; status: string; description: string }>;
    expect(history.map((entry) => entry.status)).toEqual(['superseded', 'failed', 'deployed']);
    expect(history[2].description).toBe('Rollback to 1');
    expect((await kubectlAs(deployer, 'rollout', 'status', 'deployment/checkout-api', '--timeout', '120s')).exitCode).toBe(0);
    expect((await quote()).status).toBe(200);
  }, 10 * minutes);

  it('admission refuses a pod that violates Pod Security "restricted"', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root-pod', namespace }, spec: { containers: [{ name: 'c', image: images['catalog-api'].reference, securityContext: { privileged: true } }] } };
    const result = await as(deployer, kubectl, ['apply', '-f', '-'], JSON.stringify(pod));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/violates PodSecurity "restricted:latest": privileged/);
  });

  it('RBAC: the deployer cannot create namespaces or touch another namespace', async () => {
    const namespaceCreate = await kubectlAs(deployer, 'create', 'namespace', 'elsewhere');
    expect(namespaceCreate.stderr).toMatch(/forbidden: User "shipyard-deployer" cannot create resource "namespaces"/);
    const otherList = await kubectlAs(deployer, 'get', 'pods', '--namespace', 'kube-system');
    expect(otherList.stderr).toMatch(/forbidden: User "shipyard-deployer" cannot list resource "pods" in API group "" in the namespace "kube-system"/);
    const otherSecret = await kubectlAs(deployer, 'create', 'secret', 'generic', 'x', '--namespace', 'default', '--from-literal=a=b');
    expect(otherSecret.stderr).toMatch(/forbidden/);
    const roles = await kubectlAs(deployer, 'get', 'rolebindings');
    expect(roles.stderr).toMatch(/cannot list resource "rolebindings"/);
  });

  it('accepts the charts\' HorizontalPodAutoscalers, PodDisruptionBudgets and NetworkPolicies', async () => {
    for (const kind of ['horizontalpodautoscalers', 'poddisruptionbudgets', 'networkpolicies']) {
      const { stdout } = await kubectlAs(deployer, 'get', kind, '-o', 'jsonpath={.items[*].metadata.name}');
      expect({ kind, names: stdout.split(' ').sort() }).toEqual({ kind, names: apps });
    }
  });

  it('cluster down leaves no process, mount, network namespace, cgroup or file behind', async () => {
    const down = await runShipyard(['cluster', 'down', '--name', name], { env: env() });
    expect({ code: down.code, stderr: down.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('is down') });
    expect(clusterLeftovers(cacheDir, name)).toEqual({ processes: [], mounts: [], netns: false, cgroups: [], files: false });
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`shipyard-${name}`);
    writeFileSync(path.join(work, 'done'), '');
  }, 5 * minutes);
});

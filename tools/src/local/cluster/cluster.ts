import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../../cli/errors';
import { defaultKubectl } from '../../helm/binary';
import { runCommand } from '../../process/run-command';
import { portFree } from '../loopback';
import type { RegistryCredential } from '../../images/docker-login';
import { registryCredential } from '../registry/registry-auth';
import { registryLayout } from '../registry/registry-settings';
import { type BuiltBinaries, ensureClusterBinaries } from './build';
import { readPem, writeClusterPki } from './certificates';
import {
  type ClusterLayout,
  clusterLayout,
  clusterNamePattern,
  clusterNetwork,
  componentArgs,
  nodeName,
  renderAdmissionConfig,
  renderCniConfig,
  renderContainerdConfig,
  renderCorefile,
  renderKubeconfig,
  renderKubeletConfig,
  renderKubeProxyConfig,
  renderCredentialProviderConfig,
  renderCredentialProviderPlugin,
  renderCredentialProviderResponse,
  credentialProviderName,
  renderRegistryHosts,
} from './config';
import { cniBinDir, cniPluginNames, type PlatformFacts, preflightProblems, requiredCommands } from './preflight';
import { alive, type Daemon, logTail, netnsPath, ownedPid, pidsInCgroupTree, pidsInNetns, removeCgroupTree, startDaemon, stopPids } from './processes';
import { sandboxImageName, writeSandboxImage } from './sandbox-image';
import { renderSetupObjects } from './setup-objects';

type Log = (line: string) => void;

export interface ClusterOptions {
  cacheDir: string;
  name: string;
  /** Loopback port of the API server on the host. */
  apiPort: number;
  /** The local registry (host loopback) that containerd pulls from through the namespace's forwarder. */
  registry: string;
  log: Log;
}

interface ClusterState {
  apiPort: number;
  registry: string;
  startedAt: string;
  sandboxImage: string;
  /** Kernel settings the kubelet changes on start (they are global), restored by `down`. */
  kernelTunables: Record<string, string>;
}

/** Sysctls the kubelet's container manager sets when protectKernelDefaults is off. */
const kubeletTunables = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes'];
/** cgroup v1 hierarchies the kubelet creates its `kubepods` tree in. */
const cgroupRoot = '/sys/fs/cgroup';

function commandOnPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      return statSync(path.join(dir, command)).isFile();
    } catch {
      return false;
    }
  });
}

export function gatherPlatformFacts(): PlatformFacts {
  let goVersion: string | null = null;
  try {
    goVersion = /go version (go\S+)/.exec(execFileSync('go', ['version'], { encoding: 'utf8', timeout: 30_000 }))?.[1] ?? 'unknown';
  } catch {
    goVersion = null;
  }
  return {
    platform: process.platform,
    uid: process.getuid?.() ?? -1,
    goVersion,
    commands: Object.fromEntries(Object.keys(requiredCommands).map((command) => [command, commandOnPath(command)])),
    cniPlugins: cniPluginNames.every((plugin) => existsSync(path.join(cniBinDir, plugin))),
  };
}

export function preflight(facts: PlatformFacts = gatherPlatformFacts()): void {
  const problems = preflightProblems(facts);
  if (problems.length > 0) throw new CliError(`cannot start a local cluster here:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`, ExitCode.environment);
}

const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function readState(layout: ClusterLayout): ClusterState | null {
  return existsSync(layout.stateFile) ? (JSON.parse(readFileSync(layout.stateFile, 'utf8')) as ClusterState) : null;
}

/** GET on the API server through the host forwarder, as the admin; the status code or null. */
function apiGet(layout: ClusterLayout, apiPort: number, urlPath: string): Promise<{ status: number; body: string } | null> {
  const ca = readFileSync(path.join(layout.pki, 'ca.crt'));
  const admin = readPem(layout.pki, 'admin');
  return new Promise((resolve) => {
    const request = https.get({ host: '127.0.0.1', port: apiPort, path: urlPath, ca, cert: admin.cert, key: admin.key, timeout: 3000, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}

/** Polls `check` until it answers true; a progress line every 10 s; a daemon that died ends the wait with its log. */
async function waitFor(what: string, check: () => Promise<boolean>, options: { timeoutMs: number; log: Log; layout: ClusterLayout; watch: Array<{ name: string; pid: number }> }): Promise<void> {
  const started = Date.now();
  let lastReport = started;
  while (Date.now() - started < options.timeoutMs) {
    if (await check()) return;
    const dead = options.watch.find((daemon) => !alive(daemon.pid));
    if (dead) throw new CliError(`${dead.name} exited while waiting for ${what}:\n${logTail(options.layout.logs, dead.name)}`, ExitCode.failed);
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      options.log(`waiting for ${what} (${formatSeconds(Date.now() - started)})`);
    }
    await sleep(500);
  }
  throw new CliError(`${what} did not happen within ${options.timeoutMs / 1000} s (logs in ${options.layout.logs})`, ExitCode.failed);
}

function ip(args: string[]): Promise<unknown> {
  return runCommand('ip', args);
}

function inNetns(layout: ClusterLayout, command: string, args: string[]): Promise<unknown> {
  return runCommand('nsenter', [`--net=${netnsPath(layout.netns)}`, '--', command, ...args]);
}

/** Named handle of the host network namespace, which the registry forwarder enters to reach the registry on the host's loopback. */
export function hostNetnsName(layout: ClusterLayout): string {
  return `${layout.netns}-host`;
}

/**
 * socat arguments of a forwarder that runs inside the cluster's namespace, listens on `listen`
 * there and connects to `target` from the host's namespace: how the node reaches the registry and
 * the pods reach a loopback service of the host, and nothing else of it.
 */
function outwardForwarderArgs(layout: ClusterLayout, listen: { host: string; port: number | string }, target: { host: string; port: number | string }): string[] {
  return [`TCP-LISTEN:${listen.port},bind=${listen.host},fork,reuseaddr`, `EXEC:nsenter --net=${netnsPath(hostNetnsName(layout))} socat STDIO TCP\\:${target.host}\\:${target.port}`];
}

/**
 * The namespace: loopback carries the node address too, and the default route is `unreachable`:
 * a packet for anything outside the namespace fails at once (ENETUNREACH) and goes nowhere.
 */
async function createNetns(layout: ClusterLayout): Promise<void> {
  // A handle on the host's namespace (ours), for the registry forwarder to connect from.
  await ip(['netns', 'attach', hostNetnsName(layout), String(process.pid)]);
  await ip(['netns', 'add', layout.netns]);
  const n = ['-n', layout.netns];
  await ip([...n, 'link', 'set', 'lo', 'up']);
  await ip([...n, 'addr', 'add', `${clusterNetwork.nodeIp}/32`, 'dev', 'lo']);
  await ip([...n, 'route', 'add', 'unreachable', 'default']);
  await inNetns(layout, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1']);
}

function writeConfigs(layout: ClusterLayout, options: ClusterOptions, sandboxImage: string, registryLogin: RegistryCredential): void {
  const ca = readFileSync(path.join(layout.pki, 'ca.crt'), 'utf8');
  const internal = `https://127.0.0.1:${clusterNetwork.apiPort}`;
  const identities: Array<[string, string, string]> = [
    ['controller-manager', 'controller-manager', 'system:kube-controller-manager'],
    ['scheduler', 'scheduler', 'system:kube-scheduler'],
    ['kubelet', 'kubelet', `system:node:${nodeName}`],
    ['kube-proxy', 'kube-proxy', 'system:kube-proxy'],
    ['coredns', 'coredns', 'coredns'],
  ];
  for (const [identity, file, user] of identities) {
    const pem = readPem(layout.pki, file);
    writeFileSync(layout.internalKubeconfig(identity), renderKubeconfig({ clusterName: `shipyard-${layout.name}`, server: internal, caPem: ca, user, certPem: pem.cert, keyPem: pem.key }), { mode: 0o600 });
  }
  const hostServer = `https://127.0.0.1:${options.apiPort}`;
  const admin = readPem(layout.pki, 'admin');
  writeFileSync(layout.adminKubeconfig, renderKubeconfig({ clusterName: `shipyard-${layout.name}`, server: hostServer, caPem: ca, user: 'shipyard-admin', certPem: admin.cert, keyPem: admin.key }), { mode: 0o600 });
  const deployer = readPem(layout.pki, 'deployer');
  writeFileSync(
    layout.deployerKubeconfig,
    renderKubeconfig({ clusterName: `shipyard-${layout.name}`, server: hostServer, caPem: ca, user: 'shipyard-deployer', certPem: deployer.cert, keyPem: deployer.key, namespace: 'shipyard' }),
    { mode: 0o600 },
  );
  const cfg = (file: string) => path.join(layout.configs, file);
  writeFileSync(cfg('admission.yaml'), renderAdmissionConfig());
  writeFileSync(cfg('kubelet.yaml'), renderKubeletConfig(layout));
  writeFileSync(cfg('kube-proxy.yaml'), renderKubeProxyConfig(layout));
  writeFileSync(cfg('containerd.toml'), renderContainerdConfig(layout, { sandboxImage, cniBinDir }));
  writeFileSync(cfg('Corefile'), renderCorefile(layout.internalKubeconfig('coredns')));
  writeFileSync(path.join(layout.cniConfDir, '10-shipyard.conflist'), renderCniConfig(layout));
  const registryCa = registryLayout(options.cacheDir).certFile;
  mkdirSync(path.join(layout.registryHostsDir, options.registry), { recursive: true });
  writeFileSync(path.join(layout.registryHostsDir, options.registry, 'hosts.toml'), renderRegistryHosts(options.registry, registryCa));
  writeFileSync(cfg('credential-provider.yaml'), renderCredentialProviderConfig(options.registry));
  writeFileSync(layout.credentialProviderResponse, renderCredentialProviderResponse(options.registry, registryLogin), { mode: 0o600 });
  writeFileSync(path.join(layout.credentialProviderBinDir, credentialProviderName), renderCredentialProviderPlugin(layout.credentialProviderResponse), { mode: 0o700 });
}

function readTunables(): Record<string, string> {
  return Object.fromEntries(kubeletTunables.map((key) => [key, readFileSync(`/proc/sys/${key}`, 'utf8').trim()]));
}

function restoreTunables(saved: Record<string, string>): void {
  for (const [key, value] of Object.entries(saved)) {
    try {
      writeFileSync(`/proc/sys/${key}`, value);
    } catch {
      // a read-only key (containers): nothing was changed there either
    }
  }
}

/**
 * Brings the cluster up: preflight, binaries (built or cached), the network namespace, PKI and
 * configs, then etcd → API server (+ its host forwarder) → set-up objects → controller-manager,
 * scheduler → registry forwarder, containerd (+ sandbox image), kubelet, kube-proxy, CoreDNS,
 * and waits for the node to be Ready. Returns the kubeconfigs.
 */
export async function clusterUp(options: ClusterOptions, facts?: PlatformFacts): Promise<{ admin: string; deployer: string; binaries: BuiltBinaries; seconds: number }> {
  const { log } = options;
  preflight(facts);
  const layout = clusterLayout(options.cacheDir, options.name);
  const others = otherClustersUp(options.cacheDir, options.name);
  if (others.length > 0) {
    throw new CliError(
      `cluster "${others[0]}" is up: one node per machine (a kubelet owns the host's kubepods cgroups), so take it down first: \`shipyard cluster down --name ${others[0]}\``,
      ExitCode.environment,
    );
  }
  if (existsSync(layout.stateFile) || existsSync(netnsPath(layout.netns))) {
    throw new CliError(`cluster "${options.name}" is already up (or was not taken down): run \`shipyard cluster status\` or \`shipyard cluster down --name ${options.name}\``, ExitCode.environment);
  }
  if (!(await portFree(options.apiPort))) throw new CliError(`127.0.0.1:${options.apiPort} is taken: pass --api-port`, ExitCode.environment);
  // The node pulls with the local registry's login: without one (no \`registry up\` yet) no pod could start.
  const registryLogin = registryCredential(registryLayout(options.cacheDir));
  const binaries = await ensureClusterBinaries(options.cacheDir, log);
  const kubectl = await defaultKubectl(log);
  const started = Date.now();
  for (const dir of [layout.pki, layout.etcdData, layout.logs, layout.pids, layout.kubeletRoot, layout.containerdRoot, layout.containerdState, layout.cniConfDir, layout.registryHostsDir, layout.credentialProviderBinDir, layout.configs]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  const pauseBinary = binaries.path('pause');
  const sandboxImage = sandboxImageName(readFileSync(pauseBinary));
  const state: ClusterState = { apiPort: options.apiPort, registry: options.registry, startedAt: new Date().toISOString(), sandboxImage, kernelTunables: readTunables() };
  writeFileSync(layout.stateFile, JSON.stringify(state, null, 2));
  try {
    log(`network namespace ${layout.netns} (node ${clusterNetwork.nodeIp}, pods ${clusterNetwork.podCidr}, services ${clusterNetwork.serviceCidr}; no route out)`);
    await createNetns(layout);
    log('certificates and configuration');
    await writeClusterPki(layout.pki);
    writeConfigs(layout, options, sandboxImage, registryLogin);
    const args = componentArgs(layout);
    const netns = layout.netns;
    const daemon = (name: string, command: string, commandArgs: string[], inside = true): { name: string; pid: number } => {
      const pid = startDaemon({ name, command, args: commandArgs, netns: inside ? netns : undefined } satisfies Daemon, layout);
      return { name, pid };
    };
    const watch: Array<{ name: string; pid: number }> = [];
    const wait = (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) => waitFor(what, check, { timeoutMs, log, layout, watch });

    log('etcd and kube-apiserver');
    watch.push(daemon('etcd', binaries.path('etcd'), args.etcd));
    watch.push(daemon('kube-apiserver', binaries.path('kube-apiserver'), args.apiserver));
    const inside = `EXEC:nsenter --net=${netnsPath(netns)} socat STDIO TCP\\:127.0.0.1\\:${clusterNetwork.apiPort}`;
    watch.push(daemon('api-forwarder', 'socat', [`TCP-LISTEN:${options.apiPort},bind=127.0.0.1,fork,reuseaddr`, inside], false));
    await wait('the API server to be ready', async () => (await apiGet(layout, options.apiPort, '/readyz'))?.status === 200);
    log(`API server ready on https://127.0.0.1:${options.apiPort} (${formatSeconds(Date.now() - started)})`);

    await runCommand(kubectl, ['--kubeconfig', layout.adminKubeconfig, 'apply', '-f', '-'], { input: renderSetupObjects() });
    log('namespace shipyard (Pod Security: restricted), the deployer Role and RoleBinding applied');

    watch.push(daemon('kube-controller-manager', binaries.path('kube-controller-manager'), args.controllerManager));
    watch.push(daemon('kube-scheduler', binaries.path('kube-scheduler'), args.scheduler));

    const [registryHost, registryPort] = options.registry.split(':');
    const registryAddress = { host: registryHost, port: registryPort };
    watch.push(daemon('registry-forwarder', 'socat', outwardForwarderArgs(layout, registryAddress, registryAddress)));
    log('containerd');
    watch.push(daemon('containerd', 'containerd', args.containerd));
    await wait('containerd', async () => existsSync(layout.containerdSocket));
    const imageTar = path.join(layout.root, 'pause-image.tar');
    await writeSandboxImage(pauseBinary, imageTar);
    await runCommand('ctr', ['--address', layout.containerdSocket, '--namespace', 'k8s.io', 'images', 'import', imageTar]);
    log(`sandbox image ${sandboxImage} imported`);

    log('kubelet, kube-proxy and CoreDNS');
    watch.push(daemon('kubelet', binaries.path('kubelet'), args.kubelet));
    watch.push(daemon('kube-proxy', binaries.path('kube-proxy'), args.kubeProxy));
    watch.push(daemon('coredns', binaries.path('coredns'), args.coredns));
    await wait(
      `node ${nodeName} to be Ready`,
      async () => {
        const node = await apiGet(layout, options.apiPort, `/api/v1/nodes/${nodeName}`);
        if (node?.status !== 200) return false;
        const conditions = (JSON.parse(node.body) as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions ?? [];
        return conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True');
      },
      180_000,
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    log(`cluster ${options.name} is up in ${seconds} s: node ${nodeName} Ready`);
    return { admin: layout.adminKubeconfig, deployer: layout.deployerKubeconfig, binaries, seconds };
  } catch (error) {
    log(`start failed; logs are in ${layout.logs} (kept until \`shipyard cluster down --name ${options.name}\`)`);
    throw error;
  }
}

/** Names of the other clusters under this cache root that are up (or were not taken down). */
export function otherClustersUp(cacheDir: string, name: string): string[] {
  const dir = path.join(cacheDir, 'cluster');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((other) => other !== name && clusterNamePattern.test(other))
    .filter((other) => existsSync(clusterLayout(cacheDir, other).stateFile))
    .sort();
}

/** Mount points at or below `root`, deepest first. */
function mountsUnder(roots: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\040/g, ' '))
    .filter((point) => roots.some((root) => point === root || point.startsWith(`${root}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export interface Leftovers {
  processes: number[];
  mounts: string[];
  netns: boolean;
  cgroups: string[];
  files: boolean;
}

/** What of a cluster is still on the machine: after `down`, all of it must be empty. */
export function clusterLeftovers(cacheDir: string, name: string): Leftovers {
  const layout = clusterLayout(cacheDir, name);
  const netnsFile = netnsPath(layout.netns);
  const netns = existsSync(netnsFile);
  const processes = netns ? pidsInNetns(netnsFile) : [];
  const cgroups = existsSync(cgroupRoot) ? readdirSync(cgroupRoot).map((hierarchy) => path.join(cgroupRoot, hierarchy, 'kubepods')).filter((dir) => existsSync(dir)) : [];
  return { processes, mounts: mountsUnder([layout.root]), netns: netns || existsSync(netnsPath(hostNetnsName(layout))), cgroups, files: existsSync(layout.root) };
}

/**
 * Takes the cluster down and leaves nothing: pods' processes (the kubepods cgroups), every
 * process in the namespace, the API forwarder, mounts under the cluster folder, the pod network
 * namespaces, the namespace itself, the kubepods cgroups, the kernel settings the kubelet changed,
 * and the folder.
 */
export async function clusterDown(options: Pick<ClusterOptions, 'cacheDir' | 'name' | 'log'>): Promise<Leftovers> {
  const { log } = options;
  const layout = clusterLayout(options.cacheDir, options.name);
  const state = readState(layout);
  const netnsFile = netnsPath(layout.netns);
  if (!state && !existsSync(netnsFile) && !existsSync(layout.root)) {
    log(`cluster ${options.name} is not up`);
    return clusterLeftovers(options.cacheDir, options.name);
  }
  const inNamespace = existsSync(netnsFile) ? pidsInNetns(netnsFile) : [];
  const forwarder = ownedPid(layout.pids, 'api-forwarder', 'socat');
  log(`stopping ${inNamespace.length} processes in ${layout.netns}${forwarder ? ' and the API forwarder' : ''}`);
  await stopPids([...inNamespace, ...(forwarder ? [forwarder] : [])]);
  const pods = existsSync(cgroupRoot) ? readdirSync(cgroupRoot).flatMap((hierarchy) => pidsInCgroupTree(path.join(cgroupRoot, hierarchy, 'kubepods'))) : [];
  if (pods.length > 0) {
    log(`stopping ${new Set(pods).size} pod processes`);
    await stopPids([...new Set(pods)], 2000);
  }
  for (const point of mountsUnder([layout.root])) {
    await runCommand('umount', [point], { allowExitCodes: [32] }).catch(() => runCommand('umount', ['-l', point]));
  }
  if (existsSync(netnsFile)) await ip(['netns', 'delete', layout.netns]);
  if (existsSync(netnsPath(hostNetnsName(layout)))) await ip(['netns', 'delete', hostNetnsName(layout)]);
  if (existsSync(cgroupRoot)) for (const hierarchy of readdirSync(cgroupRoot)) removeCgroupTree(path.join(cgroupRoot, hierarchy, 'kubepods'));
  if (state) restoreTunables(state.kernelTunables);
  // The kubelet links container logs into /var/log/containers (a fixed path): remove the links into our folder.
  const containerLogs = '/var/log/containers';
  if (existsSync(containerLogs)) {
    for (const entry of readdirSync(containerLogs)) {
      const link = path.join(containerLogs, entry);
      try {
        if (readlinkSync(link).startsWith(layout.root)) rmSync(link);
      } catch {
        // not a link
      }
    }
  }
  rmSync(layout.root, { recursive: true, force: true });
  const left = clusterLeftovers(options.cacheDir, options.name);
  const problems = [
    ...(left.processes.length ? [`processes ${left.processes.join(', ')}`] : []),
    ...left.mounts.map((mount) => `mount ${mount}`),
    ...(left.netns ? [`network namespace ${layout.netns}`] : []),
    ...left.cgroups.map((cgroup) => `cgroup ${cgroup}`),
    ...(left.files ? [layout.root] : []),
  ];
  if (problems.length > 0) throw new CliError(`cluster ${options.name} left behind: ${problems.join('; ')}`, ExitCode.failed);
  log(`cluster ${options.name} is down: no process, mount, network namespace or cgroup left`);
  return left;
}

export interface ClusterStatus {
  name: string;
  up: boolean;
  apiServer: string | null;
  apiReady: boolean;
  nodeReady: boolean;
  components: Array<{ name: string; pid: number | null }>;
  kubeconfigs: { admin: string; deployer: string } | null;
  /** The local registry its node pulls from (fixed at `up`). */
  registry: string | null;
  netns: string;
}

const statusComponents: Array<[string, string]> = [
  ['etcd', 'etcd'],
  ['kube-apiserver', 'kube-apiserver'],
  ['api-forwarder', 'socat'],
  ['kube-controller-manager', 'kube-controller-manager'],
  ['kube-scheduler', 'kube-scheduler'],
  ['registry-forwarder', 'socat'],
  ['containerd', 'containerd'],
  ['kubelet', 'kubelet'],
  ['kube-proxy', 'kube-proxy'],
  ['coredns', 'coredns'],
];

export async function clusterStatus(options: Pick<ClusterOptions, 'cacheDir' | 'name'>): Promise<ClusterStatus> {
  const layout = clusterLayout(options.cacheDir, options.name);
  const state = readState(layout);
  const components = statusComponents.map(([name, command]) => {
    const pid = state ? ownedPid(layout.pids, name, command) : null;
    return { name, pid };
  });
  const apiReady = state ? (await apiGet(layout, state.apiPort, '/readyz'))?.status === 200 : false;
  let nodeReady = false;
  if (apiReady && state) {
    const node = await apiGet(layout, state.apiPort, `/api/v1/nodes/${nodeName}`);
    const conditions = node?.status === 200 ? ((JSON.parse(node.body) as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions ?? []) : [];
    nodeReady = conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True');
  }
  return {
    name: options.name,
    up: Boolean(state),
    apiServer: state ? `https://127.0.0.1:${state.apiPort}` : null,
    apiReady,
    nodeReady,
    components,
    kubeconfigs: state ? { admin: layout.adminKubeconfig, deployer: layout.deployerKubeconfig } : null,
    registry: state?.registry ?? null,
    netns: layout.netns,
  };
}

/**
 * Lets the cluster's pods reach a server on the host's loopback (the rehearsal's telemetry
 * endpoint): a forwarder inside the cluster's namespace listens on the node address and connects
 * to 127.0.0.1:<hostPort> from the host's namespace, as the registry forwarder does. Nothing
 * else of the host becomes reachable. A forwarder of the same name is replaced; `down` stops it
 * with everything else in the namespace.
 */
export async function exposeHostPort(options: { cacheDir: string; name: string; as: string; hostPort: number; nodePort: number }): Promise<{ host: string; port: number }> {
  const layout = clusterLayout(options.cacheDir, options.name);
  if (!readState(layout)) throw new CliError(`cluster ${options.name} is not up: \`shipyard cluster up --name ${options.name}\``, ExitCode.environment);
  const daemonName = `expose-${options.as}`;
  const previous = ownedPid(layout.pids, daemonName, 'socat');
  if (previous) await stopPids([previous]);
  const args = outwardForwarderArgs(layout, { host: clusterNetwork.nodeIp, port: options.nodePort }, { host: '127.0.0.1', port: options.hostPort });
  const pid = startDaemon({ name: daemonName, command: 'socat', args, netns: layout.netns }, layout);
  // socat exits at once when it cannot listen (the port taken): give it that moment.
  await sleep(500);
  if (!alive(pid)) throw new CliError(`the forwarder ${clusterNetwork.nodeIp}:${options.nodePort} → 127.0.0.1:${options.hostPort} exited:\n${logTail(layout.logs, daemonName)}`, ExitCode.environment);
  return { host: clusterNetwork.nodeIp, port: options.nodePort };
}

/** Copies a kubeconfig where the caller asked (--kubeconfig-out), private to the user. */
export function copyKubeconfig(from: string, to: string): void {
  mkdirSync(path.dirname(path.resolve(to)), { recursive: true });
  copyFileSync(from, to);
  writeFileSync(to, readFileSync(from), { mode: 0o600 });
}

export const defaultClusterName = 'local';
export const defaultApiPort = 16443;

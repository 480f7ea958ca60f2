import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../../cli/errors';
import { runCommand } from '../../process/run-command';
import { workspaceRoot } from '../../workspace/root';

type Log = (line: string) => void;

/** The Go modules the cluster's binaries are built from (kept in the repository, go.sum committed). */
export const buildModuleDir = path.join(workspaceRoot, 'tools', 'cluster');

/** Binaries in the cache's bin folder, by what runs them. */
export const clusterBinaries = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'coredns', 'pause'] as const;
export type ClusterBinary = (typeof clusterBinaries)[number];

/** The Kubernetes release pinned in tools/cluster/go.mod (said once there). */
export function pinnedKubernetesVersion(goMod: string = readFileSync(path.join(buildModuleDir, 'go.mod'), 'utf8')): string {
  const match = /^\s*k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+)\s*$/m.exec(goMod);
  if (!match) throw new CliError(`${path.join(buildModuleDir, 'go.mod')} requires no k8s.io/kubernetes version`, ExitCode.environment);
  return match[1];
}

/** `go version` output → go1.26.8 */
export function parseGoVersion(output: string): string {
  const match = /\bgo version (go\d+\.\d+(?:\.\d+)?)\b/.exec(output);
  if (!match) throw new CliError(`cannot read the Go version from \`go version\`: ${output.trim()}`, ExitCode.environment);
  return match[1];
}

export interface BuildLayout {
  /** ~/.cache/shipyard/kubernetes/<version>-<go version> */
  dir: string;
  bin: string;
  stamp: string;
  /** One Go build cache and module cache for every Go build shipyard does. */
  goCache: string;
  goModCache: string;
}

export function buildLayout(cacheDir: string, kubernetesVersion: string, goVersion: string): BuildLayout {
  const dir = path.join(cacheDir, 'kubernetes', `${kubernetesVersion}-${goVersion}`);
  return { dir, bin: path.join(dir, 'bin'), stamp: path.join(dir, 'inputs.sha256'), goCache: path.join(cacheDir, 'go', 'build'), goModCache: path.join(cacheDir, 'go', 'mod') };
}

/** Digest of every build input in tools/cluster: a changed pin or source rebuilds. */
export function buildInputsDigest(files: Array<{ name: string; content: string }>): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) hash.update(`${file.name}\0${file.content}\0`);
  return hash.digest('hex');
}

/**
 * The version the Kubernetes binaries report (`kubectl version`, /version, helm's
 * .Capabilities.KubeVersion and Chart.yaml kubeVersion checks): set at link time as the
 * upstream release build does (hack/lib/version.sh); without it they say v0.0.0-master.
 */
export function kubernetesVersionLdflags(version: string): string {
  const match = /^v(\d+)\.(\d+)\.\d+$/.exec(version);
  if (!match) throw new CliError(`Kubernetes version ${version} is not vMAJOR.MINOR.PATCH`, ExitCode.environment);
  const pkg = 'k8s.io/component-base/version';
  return [`-X ${pkg}.gitVersion=${version}`, `-X ${pkg}.gitMajor=${match[1]}`, `-X ${pkg}.gitMinor=${match[2]}`, `-X ${pkg}.gitTreeState=clean`].join(' ');
}

function readBuildInputs(): Array<{ name: string; content: string }> {
  const names = ['go.mod', 'go.sum', 'coredns/go.mod', 'coredns/go.sum', 'coredns/main.go', 'pause/main.go'];
  const files = names.filter((name) => existsSync(path.join(buildModuleDir, name))).map((name) => ({ name, content: readFileSync(path.join(buildModuleDir, name), 'utf8') }));
  return [...files, { name: '(ldflags)', content: kubernetesVersionLdflags(pinnedKubernetesVersion()) }];
}

/** GOFLAGS=-mod=mod: go.sum is completed on a first build; CGO stays as the machine has it (pause uses no cgo package, so it is static either way). */
export function goEnvironment(layout: BuildLayout, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, GOCACHE: layout.goCache, GOMODCACHE: layout.goModCache, GOFLAGS: '-mod=mod' };
}

/**
 * One `go build`, with a progress line every 10 s (packages compiled so far, modules fetched)
 * so a cold build of ~2,000 packages never goes quiet.
 */
async function goBuild(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; label: string; log: Log; ldflags?: string }): Promise<void> {
  const started = Date.now();
  let packages = 0;
  let downloads = 0;
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    options.log(`building ${options.label}: ${packages} packages compiled, ${downloads} modules fetched, ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`);
  }, 10_000);
  try {
    await runCommand('go', ['build', '-v', '-trimpath', `-ldflags=-s -w${options.ldflags ? ` ${options.ldflags}` : ''}`, ...args], {
      cwd: options.cwd,
      env: options.env,
      onLine: (line) => {
        if (line.startsWith('go: downloading')) downloads += 1;
        else if (/^[\w.-]+(\/[\w.~+-]+)*$/.test(line.trim())) packages += 1;
      },
    });
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.environment) throw new CliError('`go` is not on PATH: install Go (1.25 or newer) to build the cluster', ExitCode.environment);
    throw new CliError(`go build ${options.label} failed: ${(error as Error).message}`, ExitCode.failed);
  } finally {
    clearInterval(timer);
  }
}

/** Every binary is there and was built from today's inputs. */
function binariesCurrent(layout: BuildLayout): boolean {
  const complete = clusterBinaries.every((binary) => existsSync(path.join(layout.bin, binary)));
  return complete && existsSync(layout.stamp) && readFileSync(layout.stamp, 'utf8').trim() === buildInputsDigest(readBuildInputs());
}

/** True when `cluster up` would start at once (nothing to build); false without Go. */
export async function clusterBinariesCached(cacheDir: string): Promise<boolean> {
  try {
    const goVersion = parseGoVersion((await runCommand('go', ['version'])).stdout);
    return binariesCurrent(buildLayout(cacheDir, pinnedKubernetesVersion(), goVersion));
  } catch {
    return false;
  }
}

export interface BuiltBinaries {
  layout: BuildLayout;
  version: string;
  goVersion: string;
  built: boolean;
  seconds: number;
  path: (binary: ClusterBinary) => string;
}

/**
 * The cluster's binaries, built once per Kubernetes pin, Go version and build input: the
 * control plane, kubelet and kube-proxy from k8s.io/kubernetes, etcd from go.etcd.io/etcd
 * (tools/cluster/go.mod), CoreDNS (tools/cluster/coredns) and the sandbox's pause process.
 * `-trimpath -ldflags=-s -w`; every Go build shares one GOCACHE under the cache root.
 */
export async function ensureClusterBinaries(cacheDir: string, log: Log): Promise<BuiltBinaries> {
  const version = pinnedKubernetesVersion();
  const goVersion = parseGoVersion((await runCommand('go', ['version'])).stdout);
  const layout = buildLayout(cacheDir, version, goVersion);
  const result = (built: boolean, seconds: number): BuiltBinaries => ({ layout, version, goVersion, built, seconds, path: (binary) => path.join(layout.bin, binary) });
  if (binariesCurrent(layout)) {
    log(`Kubernetes ${version} binaries (${goVersion}) cached in ${layout.bin}`);
    return result(false, 0);
  }
  const started = Date.now();
  log(`building Kubernetes ${version}, etcd and CoreDNS with ${goVersion} into ${layout.bin} (cold: tens of minutes on 2 cores; cached afterwards)`);
  const env = goEnvironment(layout);
  const staging = `${layout.bin}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await goBuild(['-o', `${staging}/`, 'tool'], { cwd: buildModuleDir, env, label: 'kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, etcd', log, ldflags: kubernetesVersionLdflags(version) });
  // The etcd server's main package is go.etcd.io/etcd/server/v3: go names its binary "server".
  renameSync(path.join(staging, 'server'), path.join(staging, 'etcd'));
  await goBuild(['-o', path.join(staging, 'coredns'), '.'], { cwd: path.join(buildModuleDir, 'coredns'), env, label: 'coredns', log });
  await goBuild(['-o', path.join(staging, 'pause'), './pause'], { cwd: buildModuleDir, env, label: 'pause', log });
  rmSync(layout.bin, { recursive: true, force: true });
  renameSync(staging, layout.bin);
  writeFileSync(layout.stamp, `${buildInputsDigest(readBuildInputs())}\n`);
  const seconds = Math.round((Date.now() - started) / 1000);
  log(`built in ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`);
  return result(true, seconds);
}

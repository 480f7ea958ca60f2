/**
 * What `cluster up` needs from the machine, checked before it changes anything. The facts are
 * gathered by the caller (so the verdict is unit-tested with any machine's facts).
 */
export interface PlatformFacts {
  platform: NodeJS.Platform;
  uid: number;
  /** `go version` output, or null when go is not on PATH. */
  goVersion: string | null;
  /** Commands found on PATH. */
  commands: Record<string, boolean>;
  /** The Debian CNI plugins folder has bridge, host-local, loopback and portmap. */
  cniPlugins: boolean;
}

export const requiredCommands: Record<string, string> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  containerd: 'containerd',
  ctr: 'containerd',
  runc: 'runc',
  iptables: 'iptables',
  socat: 'socat',
};

export const cniBinDir = '/usr/lib/cni';
export const cniPluginNames = ['bridge', 'host-local', 'loopback', 'portmap'];

export function minimumGo(version: string): boolean {
  const match = /^go(\d+)\.(\d+)/.exec(version);
  return Boolean(match) && (Number(match?.[1]) > 1 || Number(match?.[2]) >= 25);
}

/** Every reason the cluster cannot start here, each with what to do; empty when it can. */
export function preflightProblems(facts: PlatformFacts): string[] {
  const problems: string[] = [];
  if (facts.platform !== 'linux') return [`a local cluster needs Linux (this is ${facts.platform}); use kind, k3d or a dev AKS cluster and pass its --kubeconfig`];
  if (facts.uid !== 0) problems.push('root is required (network namespace, mounts, cgroups, containerd): run as root, e.g. `sudo -E npx shipyard cluster up`');
  if (facts.goVersion === null) problems.push('Go is not on PATH: install Go 1.25 or newer (https://go.dev/dl/) — the cluster is built from source through the Go module proxy');
  else if (!/^go\d/.test(facts.goVersion) || !minimumGo(facts.goVersion)) problems.push(`Go ${facts.goVersion} is too old: Kubernetes 1.35 needs Go 1.25 or newer`);
  const missing = Object.entries(requiredCommands).filter(([command]) => !facts.commands[command]);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    problems.push(`missing ${missing.map(([command]) => command).join(', ')}: apt-get install ${packages.join(' ')}`);
  }
  if (!facts.cniPlugins) problems.push(`the CNI plugins (${cniPluginNames.join(', ')}) are not in ${cniBinDir}: apt-get install containernetworking-plugins`);
  return problems;
}

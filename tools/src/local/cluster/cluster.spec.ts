import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parseClusterOptions } from '../../commands/options/cluster-options';
import { runCommand } from '../../process/run-command';
import { buildInputsDigest, buildLayout, buildModuleDir, kubernetesVersionLdflags, parseGoVersion, pinnedKubernetesVersion } from './build';
import { writeClusterPki } from './certificates';
import {
  clusterLayout,
  clusterNetwork,
  componentArgs,
  credentialProviderName,
  renderCniConfig,
  renderContainerdConfig,
  renderCorefile,
  renderCredentialProviderConfig,
  renderCredentialProviderPlugin,
  renderCredentialProviderResponse,
  renderKubeconfig,
  renderKubeletConfig,
  renderRegistryHosts,
} from './config';
import { type PlatformFacts, preflightProblems, requiredCommands } from './preflight';
import { daemonCommandLine } from './processes';
import { clusterUp, otherClustersUp } from './cluster';
import { CliError } from '../../cli/errors';
import { aksRbacWriterRules, deployerUser, renderSetupObjects } from './setup-objects';

const goodFacts: PlatformFacts = {
  platform: 'linux',
  uid: 0,
  goVersion: 'go1.26.8',
  commands: Object.fromEntries(Object.keys(requiredCommands).map((command) => [command, true])),
  cniPlugins: true,
};

describe('one cluster per machine', () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-clusters-'));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('refuses to start a second cluster while another is up (both kubelets would own the kubepods cgroups), before touching anything', async () => {
    const other = clusterLayout(cacheDir, 'int');
    mkdirSync(other.root, { recursive: true });
    writeFileSync(other.stateFile, '{}');
    mkdirSync(clusterLayout(cacheDir, 'gone').root, { recursive: true });
    expect(otherClustersUp(cacheDir, 'local')).toEqual(['int']);
    expect(otherClustersUp(cacheDir, 'int')).toEqual([]);
    const up = clusterUp({ cacheDir, name: 'local', apiPort: 1, registry: '127.0.0.1:5000', log: () => undefined }, goodFacts);
    await expect(up).rejects.toThrow(CliError);
    await expect(up).rejects.toThrow('cluster "int" is up: one node per machine');
    expect(existsSync(clusterLayout(cacheDir, 'local').root)).toBe(false);
  });
});

describe('cluster preflight', () => {
  it('passes on a machine with root, Go 1.25+, the Debian packages and the CNI plugins', () => {
    expect(preflightProblems(goodFacts)).toEqual([]);
  });

  it('names what is missing: root, Go, and the apt packages to install', () => {
    const problems = preflightProblems({ ...goodFacts, uid: 1000, goVersion: null, commands: { ...goodFacts.commands, socat: false, runc: false }, cniPlugins: false });
    expect(problems).toEqual([
      expect.stringMatching(/^root is required/),
      expect.stringMatching(/^Go is not on PATH/),
      'missing runc, socat: apt-get install runc socat',
      expect.stringMatching(/apt-get install containernetworking-plugins$/),
    ]);
  });

  it('refuses a Go older than 1.25 and any other OS', () => {
    expect(preflightProblems({ ...goodFacts, goVersion: 'go1.24.3' })).toEqual([expect.stringMatching(/go1\.24\.3 is too old/)]);
    expect(preflightProblems({ ...goodFacts, platform: 'darwin' })).toEqual([expect.stringMatching(/needs Linux.*kind, k3d/)]);
  });
});

describe('cluster build inputs', () => {
  it('reads the pinned Kubernetes release from tools/cluster/go.mod', () => {
    expect(pinnedKubernetesVersion()).toMatch(/^v1\.35\.\d+$/);
    expect(pinnedKubernetesVersion('module x\nrequire (\n\tk8s.io/kubernetes v1.35.4\n)\n')).toBe('v1.35.4');
    expect(() => pinnedKubernetesVersion('module x\n')).toThrow(/requires no k8s.io\/kubernetes/);
  });

  it('restates a replace line at the matching v0 version for every staging module it requires', () => {
    const goMod = readFileSync(path.join(buildModuleDir, 'go.mod'), 'utf8');
    const minor = /k8s\.io\/kubernetes v1\.(\d+\.\d+)/.exec(goMod)?.[1];
    const replaces = [...goMod.matchAll(/^\s*(k8s\.io\/[\w-]+) => (k8s\.io\/[\w-]+) (v\S+)$/gm)];
    expect(replaces.length).toBeGreaterThanOrEqual(30);
    for (const [, from, to, version] of replaces) {
      expect(to).toBe(from);
      expect(version).toBe(`v0.${minor}`);
    }
  });

  it('links the release version into the binaries as the upstream build does (not v0.0.0-master)', () => {
    expect(kubernetesVersionLdflags('v1.35.4')).toBe(
      '-X k8s.io/component-base/version.gitVersion=v1.35.4 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35 -X k8s.io/component-base/version.gitTreeState=clean',
    );
    expect(() => kubernetesVersionLdflags('1.35')).toThrow('is not vMAJOR.MINOR.PATCH');
  });

  it('keys the cache by Kubernetes and Go version under the one cache root, and digests inputs independent of order', () => {
    const layout = buildLayout('/c', 'v1.35.4', parseGoVersion('go version go1.26.8 linux/amd64'));
    expect(layout).toMatchObject({ bin: '/c/kubernetes/v1.35.4-go1.26.8/bin', goCache: '/c/go/build', goModCache: '/c/go/mod' });
    const a = { name: 'go.mod', content: 'x' };
    const b = { name: 'go.sum', content: 'y' };
    expect(buildInputsDigest([a, b])).toBe(buildInputsDigest([b, a]));
    expect(buildInputsDigest([a, b])).not.toBe(buildInputsDigest([a, { ...b, content: 'z' }]));
    expect(() => parseGoVersion('bash: go: not found')).toThrow(/cannot read the Go version/);
  });
});

describe('cluster configuration', () => {
  const layout = clusterLayout('/cache', 'local');

  it('names the namespace after the cluster and refuses names that are not DNS labels', () => {
    expect(layout.netns).toBe('shipyard-local');
    expect(() => clusterLayout('/cache', 'Bad_Name')).toThrow(/lower-case/);
  });

  it('renders a kubeconfig with the CA and client certificate inline and an optional namespace', () => {
    type Kubeconfig = {
      clusters: Array<{ cluster: unknown }>;
      users: Array<{ user: Record<string, string> }>;
      contexts: Array<{ context: unknown }>;
      'current-context': string;
    };
    const config = parse(renderKubeconfig({ clusterName: 'c', server: 'https://127.0.0.1:16443', caPem: 'CA', user: 'u', certPem: 'CERT', keyPem: 'KEY', namespace: 'shipyard' })) as Kubeconfig;
    expect(config.clusters[0].cluster).toEqual({ server: 'https://127.0.0.1:16443', 'certificate-authority-data': Buffer.from('CA').toString('base64') });
    expect(config.users[0].user['client-key-data']).toBe(Buffer.from('KEY').toString('base64'));
    expect(config.contexts[0].context).toEqual({ cluster: 'c', user: 'u', namespace: 'shipyard' });
    expect(config['current-context']).toBe('u@c');
  });

  it('runs the kubelet on cgroup v1 with only the cluster DNS and the node address', () => {
    const kubelet = parse(renderKubeletConfig(layout)) as Record<string, unknown>;
    expect(kubelet).toMatchObject({ failCgroupV1: false, cgroupDriver: 'cgroupfs', resolvConf: '', clusterDNS: [clusterNetwork.nodeIp], address: clusterNetwork.nodeIp, containerRuntimeEndpoint: `unix://${layout.containerdSocket}` });
  });

  it('gives pods a bridge without masquerade (nowhere to go), addresses recorded in the cluster folder, and CoreDNS no forwarder', () => {
    const cni = JSON.parse(renderCniConfig(layout)) as { plugins: Array<Record<string, unknown>> };
    expect(cni.plugins[0]).toMatchObject({ type: 'bridge', ipMasq: false, isGateway: true });
    // Pod address allocations live and die with the cluster's folder, never in the host's /var/lib/cni.
    expect(cni.plugins[0].ipam).toMatchObject({ type: 'host-local', dataDir: `${layout.root}/cni-ipam` });
    const corefile = renderCorefile('/k');
    expect(corefile).toContain(`bind ${clusterNetwork.nodeIp}`);
    expect(corefile).not.toMatch(/forward|proxy/);
  });

  it('points containerd at its own folders, the sandbox image and the registry hosts file with the registry CA', () => {
    const toml = renderContainerdConfig(layout, { sandboxImage: 'shipyard.local/pause:abc', cniBinDir: '/usr/lib/cni' });
    expect(toml).toContain(`root = "${layout.containerdRoot}"`);
    expect(toml).toContain('sandbox_image = "shipyard.local/pause:abc"');
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(renderRegistryHosts('127.0.0.1:5000', '/ca.crt')).toContain('ca = "/ca.crt"');
  });

  it('signs the node in to the registry through a kubelet image credential provider, as AKS nodes do (no imagePullSecrets)', async () => {
    const args = componentArgs(layout).kubelet.join(' ');
    expect(args).toContain(`--image-credential-provider-config ${layout.configs}/credential-provider.yaml`);
    expect(args).toContain(`--image-credential-provider-bin-dir ${layout.credentialProviderBinDir}`);
    // Field names per https://kubernetes.io/docs/reference/config-api/kubelet-config.v1/#kubelet-config-k8s-io-v1-CredentialProviderConfig
    expect(parse(renderCredentialProviderConfig('127.0.0.1:5000'))).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1',
      kind: 'CredentialProviderConfig',
      providers: [{ name: credentialProviderName, matchImages: ['127.0.0.1:5000'], defaultCacheDuration: '10m', apiVersion: 'credentialprovider.kubelet.k8s.io/v1' }],
    });

    // The plugin, run as the kubelet runs it: the request on stdin, the response on stdout.
    const dir = mkdtempSync(path.join(os.tmpdir(), "shipyard-credential-provider-it's-"));
    try {
      const response = path.join(dir, 'response.json');
      writeFileSync(response, renderCredentialProviderResponse('127.0.0.1:5000', { username: 'shipyard', password: 'pw' }));
      const plugin = path.join(dir, credentialProviderName);
      writeFileSync(plugin, renderCredentialProviderPlugin(response), { mode: 0o700 });
      const request = JSON.stringify({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderRequest', image: '127.0.0.1:5000/catalog-api@sha256:abc' });
      const result = await runCommand(plugin, [], { input: request });
      expect(JSON.parse(result.stdout)).toEqual({
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        kind: 'CredentialProviderResponse',
        cacheKeyType: 'Registry',
        cacheDuration: '10m',
        auth: { '127.0.0.1:5000': { username: 'shipyard', password: 'pw' } },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the API server with RBAC, NodeRestriction and PodSecurity, a service-account issuer and no anonymous access', () => {
    const args = componentArgs(layout).apiserver.join(' ');
    expect(args).toContain('--authorization-mode Node,RBAC');
    expect(args).toContain('--enable-admission-plugins NodeRestriction,PodSecurity');
    expect(args).toContain('--service-account-issuer https://kubernetes.default.svc.cluster.local');
    expect(args).toContain('--anonymous-auth=false');
  });

  it('starts a daemon inside the namespace through nsenter, so the pid is the daemon itself', () => {
    expect(daemonCommandLine({ name: 'etcd', command: '/bin/etcd', args: ['--x'], netns: 'shipyard-local' })).toEqual(['nsenter', '--net=/run/netns/shipyard-local', '--', '/bin/etcd', '--x']);
    expect(daemonCommandLine({ name: 'f', command: 'socat', args: ['a'] })).toEqual(['socat', 'a']);
  });
});

describe('cluster set-up objects', () => {
  type SetupObject = { kind: string; metadata: Record<string, unknown>; subjects?: Array<{ name: string }> };
  const objects = parseAllDocuments(renderSetupObjects()).map((doc) => doc.toJS() as SetupObject);

  it('creates namespace shipyard with Pod Security restricted enforced', () => {
    const namespace = objects.find((object) => object.kind === 'Namespace');
    expect(namespace?.metadata).toMatchObject({ name: 'shipyard', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
  });

  it('binds the deployer to the AKS RBAC Writer rules in shipyard only (a Role, no cluster-wide grant)', () => {
    const binding = objects.find((object) => object.kind === 'RoleBinding');
    expect(binding).toMatchObject({ metadata: { namespace: 'shipyard' }, roleRef: { kind: 'Role', name: 'aks-rbac-writer' }, subjects: [{ kind: 'User', name: deployerUser }] });
    expect(objects.filter((object) => object.kind === 'ClusterRoleBinding').flatMap((object) => (object.subjects ?? []).map((subject) => subject.name))).not.toContain(deployerUser);
  });

  it('grants no write on namespaces, roles or role bindings', () => {
    const writes = aksRbacWriterRules.filter((rule) => rule.verbs.some((verb) => verb !== 'get' && verb !== 'list' && verb !== 'watch'));
    const written = writes.flatMap((rule) => rule.resources);
    expect(written).not.toContain('namespaces');
    expect(aksRbacWriterRules.flatMap((rule) => rule.apiGroups)).not.toContain('rbac.authorization.k8s.io');
    expect(written).toEqual(expect.arrayContaining(['deployments', 'secrets', 'pods/portforward', 'pods/log', 'horizontalpodautoscalers', 'poddisruptionbudgets', 'networkpolicies']));
    // RBAC has no <resource>/* wildcard: such an entry would grant nothing.
    expect(aksRbacWriterRules.flatMap((rule) => rule.resources).filter((resource) => resource.endsWith('/*'))).toEqual([]);
  });
});

describe('cluster certificates', () => {
  it('issues every identity from one CA, with the names the bootstrap RBAC policy binds', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pki-'));
    try {
      await writeClusterPki(dir);
      const ca = new X509Certificate(readFileSync(path.join(dir, 'ca.crt')));
      const cert = (file: string) => new X509Certificate(readFileSync(path.join(dir, `${file}.crt`)));
      expect(cert('apiserver').verify(ca.publicKey)).toBe(true);
      expect(cert('apiserver').subjectAltName).toContain(`IP Address:${clusterNetwork.apiServiceIp}`);
      expect(cert('kubelet').subject).toBe('CN=system:node:shipyard-node\nO=system:nodes');
      expect(cert('admin').subject).toContain('O=system:masters');
      expect(cert('deployer').subject).toBe(`CN=${deployerUser}`);
      expect(readFileSync(path.join(dir, 'sa.pub'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('cluster command options', () => {
  it('takes defaults and rejects a bad port, name or registry', () => {
    expect(parseClusterOptions({})).toMatchObject({ name: 'local', apiPort: 16443, registry: '127.0.0.1:5000' });
    expect(() => parseClusterOptions({ apiPort: '80' })).toThrow(/--api-port/);
    expect(() => parseClusterOptions({ name: 'A' })).toThrow(/--name/);
    expect(() => parseClusterOptions({ registry: '10.0.0.1:5000' })).toThrow(/loopback/);
  });
});

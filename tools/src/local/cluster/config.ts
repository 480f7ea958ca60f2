import path from 'node:path';
import { stringify } from 'yaml';
import type { RegistryCredential } from '../../images/docker-login';

/**
 * The addresses of a local cluster. They exist only inside the cluster's network namespace,
 * which has no link to the host's network: its loopback carries the node address, the default
 * route is `unreachable`, the CNI bridge carries the pods.
 * Nothing in the namespace can reach an address outside it; the host reaches the API server
 * only through the loopback forwarder `cluster up` starts.
 */
export const clusterNetwork = {
  /** On the namespace's loopback: the node's InternalIP, the kubelet's and the API server's advertise address, cluster DNS. */
  nodeIp: '10.231.0.1',
  bridge: 'cni0',
  podCidr: '10.244.0.0/24',
  serviceCidr: '10.96.0.0/16',
  /** First address of the service range: the `kubernetes` Service (in the API server certificate). */
  apiServiceIp: '10.96.0.1',
  clusterDomain: 'cluster.local',
  /** API server port inside the namespace. */
  apiPort: 6443,
  etcdClientPort: 2379,
  etcdPeerPort: 2380,
} as const;

export const nodeName = 'shipyard-node';

/** Every file a cluster owns, under one folder (`<cache>/cluster/<name>`), removed by `cluster down`. */
export interface ClusterLayout {
  name: string;
  /** Network namespace: shipyard-<name>. */
  netns: string;
  root: string;
  pki: string;
  etcdData: string;
  logs: string;
  pids: string;
  kubeletRoot: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  cniConfDir: string;
  /** host-local IPAM's record of the pod addresses it handed out (its default, /var/lib/cni/networks, outlives the cluster). */
  cniIpamDir: string;
  registryHostsDir: string;
  /** The kubelet's image credential provider: its plugin folder and the answer the plugin gives. */
  credentialProviderBinDir: string;
  credentialProviderResponse: string;
  configs: string;
  /** kubeconfigs by identity, server https://127.0.0.1:<apiPort> inside the namespace. */
  internalKubeconfig: (identity: string) => string;
  /** The kubeconfigs users and tests get: server https://127.0.0.1:<host port> (the forwarder). */
  adminKubeconfig: string;
  deployerKubeconfig: string;
  stateFile: string;
}

/** A cluster name: it names the network namespace (shipyard-<name>) and its folder. */
export const clusterNamePattern = /^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/;

export function clusterLayout(cacheDir: string, name: string): ClusterLayout {
  if (!clusterNamePattern.test(name)) {
    throw new Error(`cluster name "${name}" must be 1-22 lower-case letters, digits or dashes`);
  }
  const root = path.join(cacheDir, 'cluster', name);
  return {
    name,
    netns: `shipyard-${name}`,
    root,
    pki: path.join(root, 'pki'),
    etcdData: path.join(root, 'etcd'),
    logs: path.join(root, 'logs'),
    pids: path.join(root, 'pids'),
    kubeletRoot: path.join(root, 'kubelet'),
    containerdRoot: path.join(root, 'containerd', 'root'),
    containerdState: path.join(root, 'containerd', 'state'),
    containerdSocket: path.join(root, 'containerd', 'containerd.sock'),
    cniConfDir: path.join(root, 'cni'),
    cniIpamDir: path.join(root, 'cni-ipam'),
    registryHostsDir: path.join(root, 'containerd', 'hosts'),
    credentialProviderBinDir: path.join(root, 'credential-provider', 'bin'),
    credentialProviderResponse: path.join(root, 'credential-provider', 'response.json'),
    configs: path.join(root, 'config'),
    internalKubeconfig: (identity: string) => path.join(root, 'config', `${identity}.kubeconfig`),
    adminKubeconfig: path.join(root, 'admin.kubeconfig'),
    deployerKubeconfig: path.join(root, 'deployer.kubeconfig'),
    stateFile: path.join(root, 'state.json'),
  };
}

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  caPem: string;
  user: string;
  certPem: string;
  keyPem: string;
  namespace?: string;
}

/** A kubeconfig with one cluster, user and context (certificates inline, so the file is all a client needs). */
export function renderKubeconfig(input: KubeconfigInput): string {
  const b64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');
  const context = `${input.user}@${input.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.clusterName, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [{ name: input.user, user: { 'client-certificate-data': b64(input.certPem), 'client-key-data': b64(input.keyPem) } }],
    contexts: [{ name: context, context: { cluster: input.clusterName, user: input.user, ...(input.namespace ? { namespace: input.namespace } : {}) } }],
    'current-context': context,
    preferences: {},
  });
}

/**
 * The kubelet's configuration. cgroup v1 (these machines) needs failCgroupV1: false since 1.35;
 * resolvConf "" keeps the host's nameservers out of the pods (only the cluster DNS answers).
 */
export function renderKubeletConfig(layout: ClusterLayout): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: clusterNetwork.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: path.join(layout.pki, 'ca.crt') },
    },
    authorization: { mode: 'Webhook' },
    tlsCertFile: path.join(layout.pki, 'kubelet-serving.crt'),
    tlsPrivateKeyFile: path.join(layout.pki, 'kubelet-serving.key'),
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    clusterDomain: clusterNetwork.clusterDomain,
    clusterDNS: [clusterNetwork.nodeIp],
    resolvConf: '',
    containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
    podCIDR: clusterNetwork.podCidr,
    maxPods: 60,
    serializeImagePulls: false,
    // A test node on a shared disk: evict only when it is nearly full, never collect images early.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '2%', 'imagefs.available': '2%' },
    imageGCHighThresholdPercent: 98,
    imageGCLowThresholdPercent: 95,
    // The kubelet's own unit: in the node's network namespace, logs to a file.
    enableServer: true,
    registerNode: true,
    shutdownGracePeriod: '0s',
  });
}

/** kube-proxy in iptables mode inside the namespace; conntrack sizes left alone (they are global sysctls). */
export function renderKubeProxyConfig(layout: ClusterLayout): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clusterCIDR: clusterNetwork.podCidr,
    hostnameOverride: nodeName,
    bindAddress: clusterNetwork.nodeIp,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    clientConnection: { kubeconfig: layout.internalKubeconfig('kube-proxy') },
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { masqueradeAll: false, syncPeriod: '10s', minSyncPeriod: '1s' },
  });
}

/** The pods' network: one bridge in the namespace, no masquerade (there is nowhere to masquerade to). */
export function renderCniConfig(layout: ClusterLayout): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'shipyard',
      plugins: [
        {
          type: 'bridge',
          bridge: clusterNetwork.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          // Allocations kept in the cluster's folder: `down` stops pods without CNI DEL, and in the
          // shared default folder every stopped pod's address stayed taken until the /24 ran out.
          ipam: { type: 'host-local', ranges: [[{ subnet: clusterNetwork.podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: layout.cniIpamDir },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** containerd (1.6 config version 2): its own root, state and socket, the CNI above, registries from hosts.toml files. */
export function renderContainerdConfig(layout: ClusterLayout, options: { sandboxImage: string; cniBinDir: string }): string {
  const q = (value: string) => JSON.stringify(value);
  return [
    'version = 2',
    `root = ${q(layout.containerdRoot)}`,
    `state = ${q(layout.containerdState)}`,
    '[grpc]',
    `  address = ${q(layout.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${q(`${layout.containerdSocket}.ttrpc`)}`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${q(options.sandboxImage)}`,
    '  enable_selinux = false',
    // The kubelet asks for oom_score_adj -998 on every sandbox; lowering it needs CAP_SYS_RESOURCE,
    // which these machines withhold even from root (runc then dies in nsexec: "can't get final
    // child's PID from pipe: EOF"). Clamp to containerd's own score instead.
    '  restrict_oom_score_adj = true',
    // Pod network namespaces under our state folder, not /run/netns: `down` finds and removes them there.
    '  netns_mounts_under_state_dir = true',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '        SystemdCgroup = false',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = ${q(options.cniBinDir)}`,
    `    conf_dir = ${q(layout.cniConfDir)}`,
    '  [plugins."io.containerd.grpc.v1.cri".registry]',
    `    config_path = ${q(layout.registryHostsDir)}`,
    '',
  ].join('\n');
}

/** hosts.toml for the local registry: HTTPS with its own certificate as the only CA. */
export function renderRegistryHosts(registry: string, caFile: string): string {
  return [`server = "https://${registry}"`, '', `[host."https://${registry}"]`, '  capabilities = ["pull", "resolve"]', `  ca = ${JSON.stringify(caFile)}`, ''].join('\n');
}

/** The provider's name: the kubelet runs the executable of that name in its plugin folder. */
export const credentialProviderName = 'shipyard-registry-login';
const credentialProviderApi = 'credentialprovider.kubelet.k8s.io/v1';

/**
 * How the node signs in to the registry, as an AKS node does: not with imagePullSecrets in the
 * workloads but through a kubelet image credential provider (AKS's acr-credential-provider hands
 * out the kubelet identity's ACR token; this one hands out the local registry's login). See
 * https://kubernetes.io/docs/tasks/administer-cluster/kubelet-credential-provider/ and
 * https://learn.microsoft.com/en-us/azure/container-registry/authenticate-kubernetes-options.
 */
export function renderCredentialProviderConfig(registry: string): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1',
    kind: 'CredentialProviderConfig',
    providers: [{ name: credentialProviderName, matchImages: [registry], defaultCacheDuration: '10m', apiVersion: credentialProviderApi }],
  });
}

/** The CredentialProviderResponse the plugin prints: the registry's login, cached per registry. */
export function renderCredentialProviderResponse(registry: string, credential: RegistryCredential): string {
  return `${JSON.stringify({ apiVersion: credentialProviderApi, kind: 'CredentialProviderResponse', cacheKeyType: 'Registry', cacheDuration: '10m', auth: { [registry]: credential } })}\n`;
}

/**
 * The plugin: it reads the kubelet's CredentialProviderRequest (one image of the matched
 * registry, so there is nothing to choose) and prints the response written at \`up\`.
 */
export function renderCredentialProviderPlugin(responseFile: string): string {
  const quoted = `'${responseFile.replace(/'/g, `'\\''`)}'`;
  return ['#!/bin/sh', `# ${credentialProviderName}: kubelet image credential provider of the local cluster.`, 'cat >/dev/null', `exec cat ${quoted}`, ''].join('\n');
}

/**
 * CoreDNS answers cluster.local from the API server on the node address; with no `forward`
 * plugin every other name fails, so pods resolve nothing outside the cluster.
 */
export function renderCorefile(kubeconfig: string): string {
  return [
    '.:53 {',
    `    bind ${clusterNetwork.nodeIp}`,
    '    errors',
    '    ready 127.0.0.1:8181',
    '    health 127.0.0.1:8080',
    `    kubernetes ${clusterNetwork.clusterDomain} in-addr.arpa ip6.arpa {`,
    `        kubeconfig ${kubeconfig}`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '    }',
    '    cache 5',
    '}',
    '',
  ].join('\n');
}

/**
 * Admission like AKS: Pod Security at "privileged" cluster-wide (AKS's default) so that the
 * namespace labels decide; the namespace `shipyard` is labelled enforce=restricted at set-up.
 */
export function renderAdmissionConfig(): string {
  return stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      {
        name: 'PodSecurity',
        configuration: {
          apiVersion: 'pod-security.admission.config.k8s.io/v1',
          kind: 'PodSecurityConfiguration',
          defaults: { enforce: 'privileged', 'enforce-version': 'latest', audit: 'privileged', warn: 'privileged' },
          exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
        },
      },
    ],
  });
}

/**
 * The admission plugins the API server enables on top of its defaults. AKS runs (per
 * https://learn.microsoft.com/en-us/azure/aks/faq#what-kubernetes-admission-controllers-does-aks-support-can-admission-controllers-be-added-or-removed)
 * NamespaceLifecycle, LimitRanger, ServiceAccount, DefaultIngressClass, DefaultStorageClass,
 * DefaultTolerationSeconds, MutatingAdmissionWebhook, ValidatingAdmissionWebhook,
 * ResourceQuota, PodSecurity (default-on in 1.35), NodeRestriction and the rest of the
 * upstream defaults; NodeRestriction is the one not on by default.
 */
export const admissionPlugins = ['NodeRestriction', 'PodSecurity'];

export interface ComponentArgs {
  etcd: string[];
  apiserver: string[];
  controllerManager: string[];
  scheduler: string[];
  kubelet: string[];
  kubeProxy: string[];
  containerd: string[];
  coredns: string[];
}

/** The command line of every component, all inside the namespace. */
export function componentArgs(layout: ClusterLayout): ComponentArgs {
  const pki = (file: string) => path.join(layout.pki, file);
  const cfg = (file: string) => path.join(layout.configs, file);
  const etcdUrl = `https://127.0.0.1:${clusterNetwork.etcdClientPort}`;
  return {
    etcd: [
      '--name', nodeName,
      '--data-dir', layout.etcdData,
      '--listen-client-urls', etcdUrl,
      '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', `http://127.0.0.1:${clusterNetwork.etcdPeerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${clusterNetwork.etcdPeerPort}`,
      '--initial-cluster', `${nodeName}=http://127.0.0.1:${clusterNetwork.etcdPeerPort}`,
      '--listen-metrics-urls', 'http://127.0.0.1:2381',
      '--cert-file', pki('etcd-server.crt'), '--key-file', pki('etcd-server.key'),
      '--client-cert-auth', '--trusted-ca-file', pki('ca.crt'),
      '--snapshot-count', '10000',
      '--quota-backend-bytes', String(2 * 1024 ** 3),
    ],
    apiserver: [
      '--advertise-address', clusterNetwork.nodeIp,
      '--bind-address', '0.0.0.0',
      '--secure-port', String(clusterNetwork.apiPort),
      '--etcd-servers', etcdUrl,
      '--etcd-cafile', pki('ca.crt'), '--etcd-certfile', pki('apiserver-etcd-client.crt'), '--etcd-keyfile', pki('apiserver-etcd-client.key'),
      '--service-cluster-ip-range', clusterNetwork.serviceCidr,
      '--authorization-mode', 'Node,RBAC',
      '--enable-admission-plugins', admissionPlugins.join(','),
      '--admission-control-config-file', cfg('admission.yaml'),
      '--client-ca-file', pki('ca.crt'),
      '--tls-cert-file', pki('apiserver.crt'), '--tls-private-key-file', pki('apiserver.key'),
      '--kubelet-client-certificate', pki('apiserver-kubelet-client.crt'), '--kubelet-client-key', pki('apiserver-kubelet-client.key'),
      '--kubelet-certificate-authority', pki('ca.crt'),
      '--kubelet-preferred-address-types', 'InternalIP',
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file', pki('sa.pub'),
      '--service-account-signing-key-file', pki('sa.key'),
      '--api-audiences', 'https://kubernetes.default.svc.cluster.local',
      '--anonymous-auth=false',
      // As AKS: privileged containers are allowed by the API server; Pod Security decides per namespace.
      '--allow-privileged=true',
      '--profiling=false',
      '--event-ttl', '1h',
    ],
    controllerManager: [
      '--kubeconfig', layout.internalKubeconfig('controller-manager'),
      '--authentication-kubeconfig', layout.internalKubeconfig('controller-manager'),
      '--authorization-kubeconfig', layout.internalKubeconfig('controller-manager'),
      '--bind-address', '127.0.0.1',
      '--cluster-name', `shipyard-${layout.name}`,
      '--cluster-signing-cert-file', pki('ca.crt'), '--cluster-signing-key-file', pki('ca.key'),
      '--root-ca-file', pki('ca.crt'),
      '--service-account-private-key-file', pki('sa.key'),
      '--use-service-account-credentials',
      '--service-cluster-ip-range', clusterNetwork.serviceCidr,
      '--leader-elect=false',
    ],
    scheduler: ['--kubeconfig', layout.internalKubeconfig('scheduler'), '--authentication-kubeconfig', layout.internalKubeconfig('scheduler'), '--authorization-kubeconfig', layout.internalKubeconfig('scheduler'), '--bind-address', '127.0.0.1', '--leader-elect=false'],
    kubelet: [
      '--config', cfg('kubelet.yaml'),
      '--image-credential-provider-config', cfg('credential-provider.yaml'),
      '--image-credential-provider-bin-dir', layout.credentialProviderBinDir,
      '--kubeconfig', layout.internalKubeconfig('kubelet'),
      '--root-dir', layout.kubeletRoot,
      '--hostname-override', nodeName,
      '--node-ip', clusterNetwork.nodeIp,
    ],
    kubeProxy: ['--config', cfg('kube-proxy.yaml')],
    containerd: ['--config', cfg('containerd.toml')],
    coredns: ['-conf', cfg('Corefile')],
  };
}

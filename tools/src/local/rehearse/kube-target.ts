import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CliError, ExitCode } from '../../cli/errors';
import { defaultChartsRoot, type Environment } from '../../charts/layout';
import type { HelmRunner } from '../../deploy/helm-runner';

/** Where a rehearsal deploys: the Docker stand-in for helm, or a real Kubernetes API. */
export type TargetRequest = 'auto' | 'docker' | 'kube';

export type TargetChoice = { kind: 'docker'; why: string } | { kind: 'kube'; cluster: 'local' | 'given'; why: string };

export interface TargetFacts {
  requested: TargetRequest;
  /** --kubeconfig: the user's own cluster (kind, k3d, a dev AKS). */
  kubeconfig?: string;
  localCluster: {
    up: boolean;
    /** What stops `shipyard cluster up` here (preflight); empty when it can run. */
    problems: string[];
    /** The binaries are built: the cluster starts in seconds. */
    binariesCached: boolean;
  };
}

/**
 * auto: a real cluster whenever one is at hand (a --kubeconfig, the local cluster up, or its
 * binaries built so it starts in seconds); the Docker stand-in otherwise, never a surprise
 * tens-of-minutes build. `kube` insists (and builds the local cluster when it has to).
 */
export function chooseTarget(facts: TargetFacts): TargetChoice {
  if (facts.requested === 'docker') {
    if (facts.kubeconfig) throw new CliError('--kubeconfig names a cluster to deploy to: use it with --target kube (or auto), not --target docker', ExitCode.usage);
    return { kind: 'docker', why: 'asked for (--target docker)' };
  }
  if (facts.kubeconfig) return { kind: 'kube', cluster: 'given', why: `the cluster of ${facts.kubeconfig}` };
  const { up, problems, binariesCached } = facts.localCluster;
  if (up) return { kind: 'kube', cluster: 'local', why: 'the local cluster is up' };
  if (facts.requested === 'kube') {
    if (problems.length > 0) {
      throw new CliError(
        `--target kube: no local cluster can run here:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\nor pass --kubeconfig <file> (kind, k3d, a dev AKS cluster)`,
        ExitCode.environment,
      );
    }
    return { kind: 'kube', cluster: 'local', why: binariesCached ? 'asked for: the local cluster starts from its cached binaries' : 'asked for: the local cluster is built first (cold: tens of minutes)' };
  }
  if (problems.length === 0 && binariesCached) return { kind: 'kube', cluster: 'local', why: "the local cluster's binaries are built: it starts in seconds" };
  return {
    kind: 'docker',
    why:
      problems.length > 0
        ? `no local cluster can run here (${problems[0]})`
        : 'the local cluster is not built yet (`npx shipyard cluster up` builds it once; rehearsals then deploy to it)',
  };
}

/** The connection string the pods get: the same resource, its ingestion reached where the pods can reach it. */
export function podConnectionString(connectionString: string, endpoint: { host: string; port: number }): string {
  const url = `https://${endpoint.host}:${endpoint.port}/`;
  const fields = connectionString
    .split(';')
    .filter(Boolean)
    .map((field) => {
      const at = field.indexOf('=');
      return at < 0 ? [field, ''] : [field.slice(0, at), field.slice(at + 1)];
    });
  if (!fields.some(([key]) => key.toLowerCase() === 'instrumentationkey')) throw new CliError('the telemetry endpoint gave a connection string without InstrumentationKey', ExitCode.failed);
  const kept = fields.filter(([key]) => !['ingestionendpoint', 'liveendpoint'].includes(key.toLowerCase()));
  return [...kept, ['IngestionEndpoint', url], ['LiveEndpoint', url]].map(([key, value]) => `${key}=${value}`).join(';');
}

/** The Secret the environment's values name for the connection string (charts/environments/<env>.yaml). */
export function connectionStringSecret(environment: Environment, chartsRoot = defaultChartsRoot): { name: string; key: string } {
  const file = path.join(chartsRoot, 'environments', `${environment}.yaml`);
  const values = parse(readFileSync(file, 'utf8')) as { service?: { telemetry?: { connectionStringSecret?: { name?: string; key?: string } } } };
  const secret = values.service?.telemetry?.connectionStringSecret;
  if (!secret?.name || !secret.key) throw new CliError(`${path.relative(process.cwd(), file)} names no service.telemetry.connectionStringSecret: the pods would report nowhere`, ExitCode.usage);
  return { name: secret.name, key: secret.key };
}

/** ConfigMap with the local endpoint's certificate, which the pods trust through the chart's extraCaCertificates. */
export const trustConfigMap = { name: 'shipyard-rehearsal-ca', key: 'ca.crt' };

/**
 * What set-up puts in the namespace on AKS (tools/azure/setup.sh creates the connection Secret),
 * here pointing at the rehearsal's endpoint, and the endpoint's certificate to trust.
 */
export function rehearsalObjects(options: { namespace: string; secret: { name: string; key: string }; connectionString: string; caPem: string }): Array<Record<string, unknown>> {
  return [connectionSecretObject(options), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: trustConfigMap.name, namespace: options.namespace, labels: rehearsalLabels }, data: { [trustConfigMap.key]: options.caPem } }];
}

const rehearsalLabels = { 'app.kubernetes.io/managed-by': 'shipyard-rehearse' };

/** The connection Secret alone (a cluster the user named: its pods cannot trust or reach the local endpoint anyway). */
export function connectionSecretObject(options: { namespace: string; secret: { name: string; key: string }; connectionString: string }): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: options.secret.name, namespace: options.namespace, labels: rehearsalLabels }, type: 'Opaque', stringData: { [options.secret.key]: options.connectionString } };
}

/** Values the rehearsal layers over the environment's: trust the local endpoint's certificate. */
export const rehearsalValues = { service: { extraCaCertificates: { configMap: trustConfigMap.name, key: trustConfigMap.key } } };

export interface ClusterAccess {
  kubeconfig: string;
  context?: string;
}

/** kubectl's flags for the cluster (every call names its kubeconfig: nothing reads the user's default one). */
export function kubectlAccessArgs(access: ClusterAccess): string[] {
  return ['--kubeconfig', access.kubeconfig, ...(access.context ? ['--context', access.context] : [])];
}

/**
 * Deploy's helm, pointed at the cluster: the kubeconfig (and context) on every command, and on
 * `upgrade` the rehearsal's values file after the environment's.
 */
export function clusterHelm(inner: HelmRunner, access: ClusterAccess, valuesFile?: string): HelmRunner {
  const flags = ['--kubeconfig', access.kubeconfig, ...(access.context ? ['--kube-context', access.context] : [])];
  return {
    run(args, options) {
      const values = args[0] === 'upgrade' && valuesFile ? ['--values', valuesFile] : [];
      return inner.run([...args, ...values, ...flags], options);
    },
  };
}

/** `kubectl get pods -o json` → running pods per app (app.kubernetes.io/name). */
export function podsByApp(podList: string): Record<string, string[]> {
  const list = JSON.parse(podList) as { items: Array<{ metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }; status?: { phase?: string } }> };
  const pods: Record<string, string[]> = {};
  for (const pod of list.items) {
    const app = pod.metadata.labels?.['app.kubernetes.io/name'];
    if (!app || pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running') continue;
    (pods[app] ??= []).push(pod.metadata.name);
  }
  for (const names of Object.values(pods)) names.sort();
  return pods;
}

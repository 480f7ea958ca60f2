import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { CliError, ExitCode } from '../../cli/errors';
import type { Environment } from '../../charts/layout';
import { clusterBinariesCached } from '../cluster/build';
import { clusterStatus, clusterUp, defaultApiPort, defaultClusterName, exposeHostPort, gatherPlatformFacts } from '../cluster/cluster';
import { preflightProblems } from '../cluster/preflight';
import { defaultKubectl } from '../../helm/binary';
import { runCommand } from '../../process/run-command';
import { type ClusterAccess, chooseTarget, connectionSecretObject, connectionStringSecret, kubectlAccessArgs, podConnectionString, podsByApp, rehearsalObjects, rehearsalValues, type TargetChoice, type TargetRequest } from './kube-target';

type Log = (line: string) => void;

/** Where the local cluster's pods reach the rehearsal's telemetry endpoint (the node address, HTTPS). */
export const telemetryNodePort = 443;

/** The facts `chooseTarget` decides on, read from this machine. */
export async function resolveTarget(requested: TargetRequest, kubeconfig: string | undefined, cacheDir: string): Promise<TargetChoice> {
  if (requested === 'docker' || kubeconfig) return chooseTarget({ requested, kubeconfig, localCluster: { up: false, problems: [], binariesCached: false } });
  const problems = preflightProblems(gatherPlatformFacts());
  const status = problems.length === 0 ? await clusterStatus({ cacheDir, name: defaultClusterName }) : null;
  const binariesCached = problems.length === 0 && (await clusterBinariesCached(cacheDir));
  return chooseTarget({ requested, localCluster: { up: Boolean(status?.up && status.apiReady), problems, binariesCached } });
}

export interface KubeEnvironment {
  access: ClusterAccess;
  namespace: string;
  kubectl: string;
  /** The local cluster (its pods reach the telemetry endpoint), or one the user named. */
  local: boolean;
  /** The rehearsal's values file (the endpoint's certificate to trust); local cluster only. */
  valuesFile?: string;
  /** Whether `cluster up` ran in this rehearsal (then --down takes it down). */
  started: boolean;
  describe: string;
}

/**
 * The cluster side of a kube rehearsal, as set-up makes it on AKS: the cluster (the local one
 * started when it is not up), then in the namespace the Application Insights connection Secret
 * and, on the local cluster, the endpoint's certificate, with the endpoint reachable from the pods.
 */
export async function prepareKubeEnvironment(options: {
  target: Extract<TargetChoice, { kind: 'kube' }>;
  kubeconfig?: string;
  context?: string;
  cacheDir: string;
  registry: string;
  namespace: string;
  environment: Environment;
  telemetry: { connectionString: string; caFile: string; hostPort: number };
  valuesFile: string;
  /** Called just before the local cluster is started by this rehearsal. */
  starting: () => void;
  log: Log;
}): Promise<KubeEnvironment> {
  const { log } = options;
  const kubectl = await defaultKubectl(log);
  const secret = connectionStringSecret(options.environment);
  const apply = (access: ClusterAccess, objects: Array<Record<string, unknown>>) =>
    runCommand(kubectl, [...kubectlAccessArgs(access), 'apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
  if (options.target.cluster === 'given') {
    const access = { kubeconfig: options.kubeconfig as string, context: options.context };
    const describe = `${options.kubeconfig}${options.context ? ` (context ${options.context})` : ''}`;
    const probe = await runCommand(kubectl, [...kubectlAccessArgs(access), 'get', 'secret', secret.name, '--namespace', options.namespace, '-o', 'name'], { allowExitCodes: [1] });
    if (probe.exitCode !== 0 && !/NotFound/.test(probe.stderr)) {
      throw new CliError(`cannot reach the cluster of ${describe} (namespace ${options.namespace}): ${probe.stderr.trim().split('\n').at(-1)}`, ExitCode.environment);
    }
    if (probe.exitCode !== 0) {
      // Its pods cannot reach this machine's endpoint; the Secret only lets them start (set-up makes the real one).
      await apply(access, [connectionSecretObject({ namespace: options.namespace, secret, connectionString: options.telemetry.connectionString })]);
      log(`created Secret ${secret.name} in ${options.namespace} (no set-up had made one)`);
    }
    return { access, namespace: options.namespace, kubectl, local: false, started: false, describe };
  }

  let status = await clusterStatus({ cacheDir: options.cacheDir, name: defaultClusterName });
  let started = false;
  if (!status.up) {
    log(`starting the local cluster "${defaultClusterName}" (shipyard cluster up)`);
    options.starting();
    await clusterUp({ cacheDir: options.cacheDir, name: defaultClusterName, apiPort: defaultApiPort, registry: options.registry, log: (line) => log(`[cluster] ${line}`) });
    status = await clusterStatus({ cacheDir: options.cacheDir, name: defaultClusterName });
    started = true;
  } else if (status.registry !== options.registry) {
    throw new CliError(
      `the local cluster pulls images from ${status.registry}, this rehearsal pushes to ${options.registry}: rehearse with --registry ${status.registry}, or \`npx shipyard cluster down\` first`,
      ExitCode.usage,
    );
  }
  if (!status.kubeconfigs || !status.apiReady) throw new CliError(`the local cluster "${defaultClusterName}" is up but its API server does not answer: \`npx shipyard cluster status\``, ExitCode.environment);
  const access = { kubeconfig: status.kubeconfigs.deployer };
  const endpoint = await exposeHostPort({ cacheDir: options.cacheDir, name: defaultClusterName, as: 'telemetry', hostPort: options.telemetry.hostPort, nodePort: telemetryNodePort });
  await apply(
    access,
    rehearsalObjects({
      namespace: options.namespace,
      secret,
      connectionString: podConnectionString(options.telemetry.connectionString, endpoint),
      caPem: readFileSync(options.telemetry.caFile, 'utf8'),
    }),
  );
  writeFileSync(options.valuesFile, stringify(rehearsalValues));
  log(`Secret ${secret.name} and the endpoint's certificate applied in ${options.namespace}; pods report to https://${endpoint.host}:${endpoint.port}/`);
  return { access, namespace: options.namespace, kubectl, local: true, valuesFile: options.valuesFile, started, describe: `the local cluster "${defaultClusterName}"` };
}

/** Running pods per app in the namespace. */
export async function listPods(kube: KubeEnvironment): Promise<Record<string, string[]>> {
  const result = await runCommand(kube.kubectl, [...kubectlAccessArgs(kube.access), 'get', 'pods', '--namespace', kube.namespace, '-o', 'json']);
  return podsByApp(result.stdout);
}

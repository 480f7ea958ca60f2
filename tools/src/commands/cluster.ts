import { Command } from 'commander';
import { ExitCode } from '../cli/errors';
import { clusterDown, clusterStatus, clusterUp, copyKubeconfig, defaultApiPort, defaultClusterName } from '../local/cluster/cluster';
import { formatStatus, parseClusterOptions } from './options/cluster-options';
import { shipyardCacheDir } from '../images/cache-dir';
import { defaultRegistryAddress } from '../local/registry/registry-settings';

const progress = (line: string) => process.stderr.write(`[cluster] ${line}\n`);

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description(
    'A single-node Kubernetes on this machine, built from the upstream sources (kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy, etcd, CoreDNS) ' +
      "with Debian's containerd and runc. Everything runs in its own network namespace; the API server is reachable on 127.0.0.1 only. Needs root and Go.",
  );
  const nameOption = ['--name <name>', 'cluster name (network namespace shipyard-<name>)', defaultClusterName] as const;

  cluster
    .command('up')
    .description('Build (or reuse) the binaries and start the cluster; writes an admin and a namespace-scoped deployer kubeconfig')
    .option(...nameOption)
    .option('--api-port <port>', 'loopback port of the API server on the host', String(defaultApiPort))
    .option('--registry <ip:port>', 'local registry the node pulls images from', defaultRegistryAddress)
    .option('--kubeconfig-out <file>', 'also write the admin kubeconfig here')
    .option('--deployer-kubeconfig-out <file>', 'also write the deployer kubeconfig (role of the pipeline deploy identity in namespace shipyard) here')
    .action(async (raw) => {
      const options = parseClusterOptions(raw);
      const result = await clusterUp({ cacheDir: shipyardCacheDir(), name: options.name, apiPort: options.apiPort, registry: options.registry, log: progress });
      if (options.kubeconfigOut) copyKubeconfig(result.admin, options.kubeconfigOut);
      if (options.deployerKubeconfigOut) copyKubeconfig(result.deployer, options.deployerKubeconfigOut);
      process.stdout.write(`admin kubeconfig:    ${options.kubeconfigOut ?? result.admin}\ndeployer kubeconfig: ${options.deployerKubeconfigOut ?? result.deployer}\n`);
    });

  cluster
    .command('down')
    .description('Stop every process of the cluster and remove its mounts, network namespaces, cgroups and files')
    .option(...nameOption)
    .action(async (raw) => {
      const options = parseClusterOptions(raw);
      await clusterDown({ cacheDir: shipyardCacheDir(), name: options.name, log: progress });
    });

  cluster
    .command('status')
    .description('What runs: each component, API readiness, node readiness, kubeconfigs')
    .option(...nameOption)
    .option('--json', 'print the status as JSON')
    .action(async (raw) => {
      const options = parseClusterOptions(raw);
      const status = await clusterStatus({ cacheDir: shipyardCacheDir(), name: options.name });
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      if (!status.up) process.exitCode = ExitCode.failed;
    });
  return cluster;
}

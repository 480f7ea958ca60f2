import { z } from 'zod';
import { CliError, ExitCode } from '../../cli/errors';
import { defaultRegistryAddress, parseRegistryAddress } from '../../local/registry/registry-settings';
import { type ClusterStatus, defaultApiPort, defaultClusterName } from '../../local/cluster/cluster';
import { clusterNamePattern } from '../../local/cluster/config';

// Kept apart from commands/cluster.ts: commander is ESM-only and jest cannot load it.
export const clusterOptionsSchema = z.object({
  name: z.string().regex(clusterNamePattern, 'must be 1-22 lower-case letters, digits or dashes').default(defaultClusterName),
  apiPort: z.coerce.number().int().min(1024).max(65535).default(defaultApiPort),
  registry: z.string().default(defaultRegistryAddress),
  kubeconfigOut: z.string().optional(),
  deployerKubeconfigOut: z.string().optional(),
  json: z.boolean().default(false),
});

export function parseClusterOptions(raw: unknown): z.infer<typeof clusterOptionsSchema> {
  const parsed = clusterOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`, ExitCode.usage);
  }
  parseRegistryAddress(parsed.data.registry);
  return parsed.data;
}

export function formatStatus(status: ClusterStatus): string {
  const lines = [
    `cluster:   ${status.name} (${status.up ? 'up' : 'down'}; network namespace ${status.netns})`,
    ...(status.apiServer ? [`api:       ${status.apiServer} (${status.apiReady ? 'ready' : 'not ready'}); node ${status.nodeReady ? 'Ready' : 'not Ready'}`] : []),
    ...status.components.filter(() => status.up).map((component) => `  ${component.name.padEnd(24)} ${component.pid ? `running (pid ${component.pid})` : 'NOT RUNNING'}`),
    ...(status.kubeconfigs ? [`admin:     ${status.kubeconfigs.admin}`, `deployer:  ${status.kubeconfigs.deployer}   (namespace shipyard only)`] : []),
  ];
  return `${lines.join('\n')}\n`;
}


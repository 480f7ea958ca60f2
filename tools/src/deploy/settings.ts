import { z } from 'zod';
import { registryOptionFields } from '../release/registry-option-fields';
import { CliError, ExitCode } from '../cli/errors';
import { parseEnvironment } from '../charts/layout';
import { openReleaseStore } from '../release/open-registries';
import type { ConvergeOptions } from './converge';
import { parseTimeout } from './helm-commands';
import { pinnedHelmRunner } from './helm-runner';
import { renderCheck } from './render-check';

export const deployOptionsSchema = z.object({
  env: z.string(),
  release: z.string().optional(),
  rollback: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  assumeNotInstalled: z.boolean().optional(),
  timeout: z.string(),
  namespace: z.string(),
  json: z.boolean().optional(),
  ...registryOptionFields,
});

/** Shared by deploy and smoke --rollback-on-failure: the converge settings from parsed options. */
export async function convergeSettings(raw: {
  env: string;
  timeout: string;
  namespace: string;
  dryRun?: boolean;
  assumeNotInstalled?: boolean;
  registry?: string;
  caFile?: string[];
}, log: (line: string) => void): Promise<ConvergeOptions> {
  const environment = parseEnvironment(raw.env);
  if (raw.assumeNotInstalled && !raw.dryRun) throw new CliError('--assume-not-installed plans without reading the cluster; it is allowed with --dry-run only', ExitCode.usage);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw.namespace)) throw new CliError(`--namespace "${raw.namespace}" is not a Kubernetes namespace name`, ExitCode.usage);
  const timeout = parseTimeout(raw.timeout);
  const store = openReleaseStore(raw, log);
  return {
    environment,
    namespace: raw.namespace,
    timeout,
    store,
    helm: pinnedHelmRunner({ log }),
    dryRun: Boolean(raw.dryRun),
    assumeNotInstalled: raw.assumeNotInstalled,
    renderCheck: renderCheck(environment, raw.namespace, log),
    log,
  };
}


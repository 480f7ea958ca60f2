import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { caBundle } from '../charts/publish';
import { shipyardCacheDir } from '../images/cache-dir';
import { caFilesFor, resolveRegistry } from '../release/registry-access';
import { registryOptionFields } from '../commands/options/registry-option-fields';
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

/**
 * The one --ca-file helm gets to pull charts from the registry: the CA files that apply to it
 * (as the release store trusts them), several bundled into one file in the cache, named by
 * their content so a later deploy reuses it. None for a registry with a publicly trusted
 * certificate (ACR), where helm needs nothing but the login `az acr login` stored.
 */
export function helmCaFile(registry: string, given: readonly string[]): string | undefined {
  const files = caFilesFor(registry, given);
  if (files.length <= 1) return files[0];
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  const dir = path.join(shipyardCacheDir(), 'helm-ca', hash.digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  return caBundle(files, dir);
}

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
    caFile: helmCaFile(resolveRegistry(raw.registry), raw.caFile ?? []),
    helm: pinnedHelmRunner({ log }),
    dryRun: Boolean(raw.dryRun),
    assumeNotInstalled: raw.assumeNotInstalled,
    renderCheck: renderCheck(environment, raw.namespace, log),
    log,
  };
}


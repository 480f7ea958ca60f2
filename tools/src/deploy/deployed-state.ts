import { z } from 'zod';
import { serviceValuesKey } from '../charts/layout';
import { CliError, ExitCode } from '../cli/errors';
import type { HelmRunner } from './helm-runner';

const historyEntry = z.object({
  revision: z.number().int(),
  status: z.string(),
  chart: z.string(),
  description: z.string().default(''),
  updated: z.string().optional(),
});
export type HelmRevision = z.infer<typeof historyEntry>;

/** What helm says about one app's release in the namespace. */
export type DeployedState =
  | { installed: false }
  | {
      installed: true;
      /** Status of the latest revision: deployed, failed, pending-install, pending-upgrade, pending-rollback, uninstalling, uninstalled… */
      status: string;
      revision: number;
      chart: string;
      /** image.digest of the latest revision's values, when set. */
      imageDigest: string | null;
      /** From the description shipyard deploy writes; null when deployed some other way. */
      releaseSha: string | null;
      fingerprint: string | null;
      /** The newest revision that ran successfully (deployed or superseded), other than a pending latest one. */
      lastGood: HelmRevision | null;
      history: HelmRevision[];
    };

const descriptionPattern = /^shipyard release=([0-9a-f]{40}) fingerprint=(sha256:[0-9a-f]{64})$/;

/** The description every shipyard upgrade carries: which release, and the fingerprint of everything helm was given. */
export function deployDescription(releaseSha: string, fingerprint: string): string {
  return `shipyard release=${releaseSha} fingerprint=${fingerprint}`;
}

/**
 * The release and fingerprint a revision runs. A revision made by `helm rollback N` says
 * "Rollback to N": it runs what revision N ran, so follow it.
 */
export function revisionIdentity(revision: HelmRevision, history: readonly HelmRevision[], depth = 0): { releaseSha: string; fingerprint: string } | null {
  const own = descriptionPattern.exec(revision.description.trim());
  if (own) return { releaseSha: own[1], fingerprint: own[2] };
  const rollback = /^Rollback to (\d+)$/.exec(revision.description.trim());
  if (rollback && depth < 20) {
    const target = history.find((entry) => entry.revision === Number(rollback[1]));
    return target ? revisionIdentity(target, history, depth + 1) : null;
  }
  return null;
}

export const pendingStatuses = ['pending-install', 'pending-upgrade', 'pending-rollback', 'uninstalling'];
const goodStatuses = ['deployed', 'superseded'];

export function summarizeHistory(entries: HelmRevision[], imageDigest: string | null): DeployedState {
  if (entries.length === 0) return { installed: false };
  const history = [...entries].sort((a, b) => a.revision - b.revision);
  const latest = history[history.length - 1];
  const lastGood = [...history].reverse().find((entry) => goodStatuses.includes(entry.status) && (entry !== latest || !pendingStatuses.includes(latest.status))) ?? null;
  const identity = revisionIdentity(latest, history);
  return {
    installed: true,
    status: latest.status,
    revision: latest.revision,
    chart: latest.chart,
    imageDigest,
    releaseSha: identity?.releaseSha ?? null,
    fingerprint: identity?.fingerprint ?? null,
    lastGood,
    history,
  };
}

function helmFailure(args: readonly string[], result: { code: number; stderr: string; stdout: string }): CliError {
  const message = (result.stderr || result.stdout).trim();
  const environment = /cluster unreachable|connection refused|no such host|Unauthorized|forbidden|kubeconfig/i.test(message);
  return new CliError(
    `helm ${args.slice(0, 2).join(' ')} failed (exit ${result.code}): ${message}${environment ? '\n(is the cluster reachable? the pipeline runs `az aks get-credentials` first; without a cluster use --dry-run --assume-not-installed)' : ''}`,
    environment ? ExitCode.environment : ExitCode.failed,
  );
}

/** Reads the state with `helm history -o json` and `helm get values -o json` (latest revision). */
export async function readDeployedState(helm: HelmRunner, app: string, namespace: string): Promise<DeployedState> {
  const historyArgs = ['history', app, '--namespace', namespace, '--max', '20', '-o', 'json'];
  const history = await helm.run(historyArgs);
  if (history.code !== 0) {
    if (/release: not found/i.test(history.stderr)) return { installed: false };
    throw helmFailure(historyArgs, history);
  }
  const parsed = z.array(historyEntry).safeParse(JSON.parse(history.stdout || '[]'));
  if (!parsed.success) throw new CliError(`helm history ${app}: unexpected output: ${parsed.error.issues[0]?.message}`, ExitCode.failed);
  if (parsed.data.length === 0) return { installed: false };
  const valuesArgs = ['get', 'values', app, '--namespace', namespace, '-o', 'json'];
  const values = await helm.run(valuesArgs);
  if (values.code !== 0) throw helmFailure(valuesArgs, values);
  // The image is a value of the generic chart, under its name (charts/README.md).
  const data = JSON.parse(values.stdout || 'null') as Record<string, { image?: { digest?: unknown } } | undefined> | null;
  const image = data?.[serviceValuesKey]?.image;
  const digest = typeof image?.digest === 'string' && image.digest !== '' ? image.digest : null;
  return summarizeHistory(parsed.data, digest);
}

import { CliError, ExitCode } from '../cli/errors';
import { deployDescription } from './deployed-state';
import type { AppPlan, DesiredApp, Recovery } from './plan';

export interface HelmTarget {
  namespace: string;
  /** helm duration, e.g. 10m. */
  timeout: string;
}

/** Go durations as helm takes them: 90s, 10m, 1h30m. */
export function parseTimeout(value: string): string {
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(value) || value === '' || /^0+[hms]?$/.test(value)) {
    throw new CliError(`--timeout "${value}" must be a duration like 90s, 10m or 1h30m`, ExitCode.usage);
  }
  return value;
}

export function recoveryCommand(app: string, recover: Recovery, target: HelmTarget): string[] {
  return recover.kind === 'rollback'
    ? ['rollback', app, String(recover.revision), '--namespace', target.namespace, '--wait=watcher', '--timeout', target.timeout]
    : ['uninstall', app, '--namespace', target.namespace, '--wait=watcher', '--timeout', target.timeout];
}

/**
 * The upgrade: `helm upgrade --install` of the release's chart from the registry by digest
 * (oci://…@sha256:…: the chart cannot differ from the release's, and there is nothing to build
 * first: its generic chart and library are packaged inside it), with rollback on failure
 * (helm 4's name for --atomic), waiting for readiness, the release and fingerprint in the
 * revision's description, and the environment values and image digest. No --create-namespace:
 * helm would first ask the API server to create the namespace, which Kubernetes authorises
 * before it checks existence, so an identity with rights on the namespace only gets 403
 * (helm/helm#32511). The namespace, with its Pod Security labels, is made once by
 * tools/azure/setup.sh.
 */
export function upgradeCommand(desired: DesiredApp, target: HelmTarget): string[] {
  return [
    'upgrade',
    '--install',
    desired.app,
    desired.chartRef,
    ...desired.pullArgs,
    '--namespace',
    target.namespace,
    // No --create-namespace: the namespace is created at cluster set-up (Pod Security labels),
    // and the deploy identity, scoped to it, may not read or create namespaces.
    '--rollback-on-failure',
    '--wait=watcher',
    '--timeout',
    target.timeout,
    '--description',
    deployDescription(desired.releaseSha, desired.fingerprint),
    ...desired.valueArgs,
  ];
}

/** Every helm command that carrying out one app's plan runs, in order. */
export function commandsFor(plan: AppPlan, desired: DesiredApp, target: HelmTarget): string[][] {
  const commands: string[][] = plan.recover ? [recoveryCommand(plan.app, plan.recover, target)] : [];
  if (plan.action === 'upgrade') commands.push(upgradeCommand(desired, target));
  return commands;
}

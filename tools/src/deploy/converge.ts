import { CliError, ExitCode } from '../cli/errors';
import type { Environment } from '../charts/layout';
import { pointerTags, type ReleaseRef } from '../release/release-ref';
import type { PulledRelease, ReleaseHandle, ReleaseStore } from '../release/release-store';
import { type DeployedState, readDeployedState } from './deployed-state';
import { desiredApps } from './desired';
import { commandsFor, type HelmTarget } from './helm-commands';
import { formatHelmCommand, type HelmRunner } from './helm-runner';
import { type AppPlan, type DesiredApp, planApp } from './plan';

type Log = (line: string) => void;

export interface ConvergeOptions extends HelmTarget {
  environment: Environment;
  store: ReleaseStore;
  helm: HelmRunner;
  dryRun: boolean;
  /** Plan as if no app were installed (no cluster needed): for rehearsals and for checking the commands. */
  assumeNotInstalled?: boolean;
  /** CA certificate helm trusts to pull the charts from the registry (one file; see settings.ts). */
  caFile?: string;
  /** Dry run only: renders the apps that would change with the same values (helm template), so a broken chart shows before a deploy. */
  renderCheck?: (apps: DesiredApp[]) => Promise<void>;
  chartsRoot?: string;
  root?: string;
  log: Log;
}

export interface PlannedApp extends AppPlan {
  image: string;
  commands: string[];
}

export interface DeployReport {
  environment: Environment;
  namespace: string;
  release: { gitSha: string; digest: string };
  /** The release the environment ran before (its pointer), null on a first deploy. */
  before: { gitSha: string; digest: string } | null;
  apps: PlannedApp[];
  dryRun: boolean;
  pointer: string;
}

const identity = (release: ReleaseHandle) => ({ gitSha: release.manifest.gitSha, digest: release.digest });

async function readStates(apps: DesiredApp[], options: ConvergeOptions): Promise<DeployedState[]> {
  if (options.assumeNotInstalled) return apps.map(() => ({ installed: false }));
  const states: DeployedState[] = [];
  for (const app of apps) states.push(await readDeployedState(options.helm, app.app, options.namespace));
  return states;
}

/** Puts apps changed earlier in a failed run back on the revision they ran before it (helm already did so for the failing one). */
async function restore(changed: Array<{ app: string; before: DeployedState }>, options: ConvergeOptions): Promise<string[]> {
  const notes: string[] = [];
  for (const { app, before } of [...changed].reverse()) {
    if (!before.installed || before.status !== 'deployed') {
      notes.push(`${app}: left on the new release (nothing ran before it)`);
      continue;
    }
    const args = ['rollback', app, String(before.revision), '--namespace', options.namespace, '--wait=watcher', '--timeout', options.timeout];
    options.log(`$ ${formatHelmCommand(args)}`);
    const result = await options.helm.run(args, { stream: true });
    notes.push(result.code === 0 ? `${app}: restored to revision ${before.revision}` : `${app}: restoring revision ${before.revision} FAILED: ${(result.stderr || result.stdout).trim()}`);
  }
  return notes;
}

/**
 * Converges the environment to `target`: verifies every image and chart is in the registry, reads
 * each app's helm state, plans (skip/upgrade/recover) and carries the plan out app by app
 * (or only prints it with dryRun). On a failure the apps already changed are put back.
 */
export async function converge(target: PulledRelease, options: ConvergeOptions): Promise<PlannedApp[]> {
  const { log } = options;
  await options.store.requireComplete(target.manifest);
  log(`release ${target.manifest.gitSha.slice(0, 12)}: all ${Object.keys(target.manifest.apps).length} images and charts verified in ${options.store.registry}`);
  const apps = desiredApps({ manifest: target.manifest, registry: options.store.registry, environment: options.environment, caFile: options.caFile, chartsRoot: options.chartsRoot, root: options.root });
  const states = await readStates(apps, options);
  const planned = apps.map((app, index) => {
    const plan = planApp(app, states[index]);
    return { ...plan, image: app.image.reference, commands: commandsFor(plan, app, options).map(formatHelmCommand) };
  });
  for (const plan of planned) {
    log(`${plan.app}: ${plan.recover ? `recover (${plan.recover.kind}) then ` : ''}${plan.action} — ${plan.reasons.join('; ')}`);
  }
  if (options.dryRun) {
    if (options.renderCheck) await options.renderCheck(apps.filter((_, index) => planned[index].action === 'upgrade'));
    return planned;
  }
  const changed: Array<{ app: string; before: DeployedState }> = [];
  for (const [index, plan] of planned.entries()) {
    const commands = commandsFor(plan, apps[index], options);
    if (commands.length === 0) continue;
    log(`${plan.app}: ${plan.action === 'skip' ? 'recovering' : 'upgrading'}…`);
    for (const args of commands) {
      log(`$ ${formatHelmCommand(args)}`);
      const result = await options.helm.run(args, { stream: true });
      if (result.code !== 0) {
        const notes = await restore(changed, options);
        throw new CliError(
          [
            `${plan.app}: helm ${args[0]} failed (exit ${result.code})${args.includes('--rollback-on-failure') ? '; helm rolled this app back' : ''}:`,
            `  ${(result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n  ')}`,
            ...notes.map((note) => `  ${note}`),
            `the ${options.environment} pointer was not moved`,
          ].join('\n'),
          ExitCode.failed,
        );
      }
    }
    changed.push({ app: plan.app, before: states[index] });
  }
  return planned;
}

/** `deploy --env --release`: converge, then move env-<env> to the release and env-<env>-previous to what ran before. */
export async function deployRelease(ref: ReleaseRef, options: ConvergeOptions): Promise<DeployReport> {
  const tags = pointerTags(options.environment);
  const target = await options.store.pull(ref);
  // Only named and re-tagged: a pointer at a release of an earlier schemaVersion still moves to -previous.
  const before = await options.store.findHandle({ kind: 'pointer', tag: tags.current, environment: options.environment });
  options.log(`${options.environment} runs ${before ? `release ${before.manifest.gitSha.slice(0, 12)}` : 'nothing yet'}; converging to ${target.manifest.gitSha.slice(0, 12)}`);
  const apps = await converge(target, options);
  const moves = before?.digest === target.digest ? [] : [...(before ? [[before, tags.previous] as const] : []), [target, tags.current] as const];
  for (const [release, tag] of moves) {
    if (options.dryRun) options.log(`would tag ${tag} → ${release.manifest.gitSha.slice(0, 12)}`);
    else {
      await options.store.setTag(release, tag);
      options.log(`tagged ${tag} → ${release.manifest.gitSha.slice(0, 12)}`);
    }
  }
  if (moves.length === 0) options.log(`${tags.current} already names this release`);
  return { environment: options.environment, namespace: options.namespace, release: identity(target), before: before ? identity(before) : null, apps, dryRun: options.dryRun, pointer: tags.current };
}

/**
 * `deploy --env --rollback` (and `smoke --rollback-on-failure`): converge the environment back
 * to env-<env>-previous, tag the release rolled back from env-<env>-failed and point
 * env-<env> at the previous one again.
 */
export async function rollbackEnvironment(options: ConvergeOptions): Promise<DeployReport> {
  const tags = pointerTags(options.environment);
  const pointer = (tag: string): ReleaseRef => ({ kind: 'pointer', tag, environment: options.environment });
  const current = await options.store.findHandle(pointer(tags.current));
  if (!current) throw new CliError(`nothing to roll back: ${tags.current} does not exist (nothing was deployed to ${options.environment} by shipyard deploy)`, ExitCode.failed);
  const previous = await options.store.find(pointer(tags.previous));
  if (!previous) {
    throw new CliError(
      `no previous release recorded for ${options.environment} (${tags.previous} does not exist); deploy an older release explicitly: shipyard deploy --env ${options.environment} --release <sha>`,
      ExitCode.failed,
    );
  }
  if (previous.digest === current.digest) options.log(`${tags.previous} is the current release already (rolled back before?); converging to it again`);
  options.log(`rolling ${options.environment} back from ${current.manifest.gitSha.slice(0, 12)} to ${previous.manifest.gitSha.slice(0, 12)}`);
  const apps = await converge(previous, options);
  const moves = previous.digest === current.digest ? [] : ([[current, tags.failed], [previous, tags.current]] as const);
  for (const [release, tag] of moves) {
    if (options.dryRun) options.log(`would tag ${tag} → ${release.manifest.gitSha.slice(0, 12)}`);
    else {
      await options.store.setTag(release, tag);
      options.log(`tagged ${tag} → ${release.manifest.gitSha.slice(0, 12)}`);
    }
  }
  return { environment: options.environment, namespace: options.namespace, release: identity(previous), before: identity(current), apps, dryRun: options.dryRun, pointer: tags.current };
}

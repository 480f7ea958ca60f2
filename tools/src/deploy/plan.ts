import { CliError, ExitCode } from '../cli/errors';
import type { ImageRecord } from '../charts/digests';
import { type DeployedState, type HelmRevision, pendingStatuses, revisionIdentity } from './deployed-state';

/** What one app should run: from the release, the checkout's chart and the environment's values. */
export interface DesiredApp {
  app: string;
  releaseSha: string;
  chart: { name: string; version: string; digest: string };
  /** Folder of the chart relative to the workspace root (charts/<app>). */
  chartDir: string;
  /** Folders to run `helm dependency update` in before the upgrade, dependencies first, chartDir last (relative to the workspace root). */
  dependencyDirs: string[];
  /** Content digest of that folder in this checkout; differs from chart.digest when the checkout is not the release's commit. */
  checkoutChartDigest: string;
  image: ImageRecord;
  /** -f/--set arguments, built once (charts/render.ts environmentValueArgs), paths relative to the workspace root. */
  valueArgs: string[];
  /** Digest of everything helm is given (chart content, values files' content, --set values). */
  fingerprint: string;
}

export type Recovery = { kind: 'rollback'; revision: number; reason: string } | { kind: 'uninstall'; reason: string };

export interface AppPlan {
  app: string;
  /** skip: already there; upgrade: helm upgrade --install from the checkout; rollback: helm rollback to a revision that ran this release. */
  action: 'skip' | 'upgrade' | 'rollback';
  /** Target revision of action rollback. */
  revision?: number;
  /** Done first: a release stuck in a pending state (or a failed first install) is freed. */
  recover?: Recovery;
  reasons: string[];
}

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : 'none');

function chartLabel(chart: DesiredApp['chart']): string {
  return `${chart.name}-${chart.version}`;
}

/** The newest good revision that ran the desired release: the way back when this checkout's chart is not the release's. */
function revisionOfRelease(desired: DesiredApp, history: readonly HelmRevision[]): HelmRevision | undefined {
  return [...history]
    .reverse()
    .find((entry) => ['deployed', 'superseded'].includes(entry.status) && revisionIdentity(entry, history)?.releaseSha === desired.releaseSha && entry.chart === chartLabel(desired.chart));
}

function changeTowards(desired: DesiredApp, history: readonly HelmRevision[], reasons: string[], recover?: Recovery): AppPlan {
  if (desired.checkoutChartDigest === desired.chart.digest) return { app: desired.app, action: 'upgrade', reasons, recover };
  const revision = revisionOfRelease(desired, history);
  if (revision) {
    return {
      app: desired.app,
      action: 'rollback',
      revision: revision.revision,
      reasons: [...reasons, `${desired.chartDir} in this checkout is not the chart of release ${desired.releaseSha.slice(0, 12)}: helm rollback to revision ${revision.revision}, which ran it`],
      recover,
    };
  }
  throw new CliError(
    `${desired.app}: ${desired.chartDir} in this checkout differs from the chart recorded in release ${desired.releaseSha} ` +
      `(content ${short(desired.checkoutChartDigest)} here, ${short(desired.chart.digest)} in the release), and helm history has no revision of that release to roll back to. ` +
      `Deploy it from a checkout of ${desired.releaseSha}.`,
    ExitCode.usage,
  );
}

/**
 * Decides what converging one app takes. Upgrade when the image digest, chart or values differ
 * (the fingerprint in the revision's description says), skip when they are equal, free a
 * release stuck in a pending state first (roll back to the last good revision, or uninstall
 * when it never ran), and fall back to `helm rollback` when the checkout cannot render the
 * release's chart but helm still holds a revision that ran it.
 */
export function planApp(desired: DesiredApp, state: DeployedState): AppPlan {
  const { app } = desired;
  if (!state.installed) return changeTowards(desired, [], ['not installed']);

  if (pendingStatuses.includes(state.status) || (state.status === 'failed' && !state.lastGood)) {
    const stuck = `revision ${state.revision} is ${state.status}`;
    const recover: Recovery = state.lastGood
      ? { kind: 'rollback', revision: state.lastGood.revision, reason: `${stuck}: roll back to revision ${state.lastGood.revision}, the last that ran` }
      : { kind: 'uninstall', reason: `${stuck} and no revision ever ran: uninstall it` };
    const restored = state.lastGood ? revisionIdentity(state.lastGood, state.history) : null;
    if (restored?.fingerprint === desired.fingerprint) return { app, action: 'skip', recover, reasons: ['the last good revision already runs this release'] };
    return changeTowards(desired, state.history, [recover.reason], recover);
  }

  if (state.status === 'deployed' && state.fingerprint === desired.fingerprint) {
    return { app, action: 'skip', reasons: [`revision ${state.revision} runs release ${desired.releaseSha.slice(0, 12)} with the same image, chart and values`] };
  }
  if (state.status === 'deployed' && state.releaseSha === desired.releaseSha && desired.checkoutChartDigest !== desired.chart.digest) {
    // The fingerprint cannot match: it would need the release's chart, which this checkout does not have.
    return { app, action: 'skip', reasons: [`revision ${state.revision} runs release ${desired.releaseSha.slice(0, 12)} (restored by helm rollback; this checkout holds another chart)`] };
  }

  const reasons: string[] = [];
  if (state.status !== 'deployed') reasons.push(`revision ${state.revision} is ${state.status}`);
  if (state.imageDigest !== desired.image.digest) reasons.push(`image ${short(state.imageDigest)} → ${short(desired.image.digest)}`);
  if (state.chart !== chartLabel(desired.chart)) reasons.push(`chart ${state.chart} → ${chartLabel(desired.chart)}`);
  if (reasons.length === 0) {
    reasons.push(state.fingerprint === null ? 'deployed without shipyard deploy (no fingerprint): converge' : 'chart content or environment values changed');
  }
  return changeTowards(desired, state.history, reasons);
}

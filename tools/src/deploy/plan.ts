import type { ImageRecord } from '../charts/digests';
import type { ReleaseApp } from '../release/release-manifest';
import { type DeployedState, pendingStatuses, revisionIdentity } from './deployed-state';

/** What one app should run: from the release (image and chart by digest) and the environment's values. */
export interface DesiredApp {
  app: string;
  releaseSha: string;
  chart: ReleaseApp['chart'];
  /** oci://<registry>/<chart repository>@<digest>: what helm installs, whatever the checkout holds. */
  chartRef: string;
  /** How helm pulls it (--ca-file for a registry with its own certificate); not part of the fingerprint. */
  pullArgs: string[];
  image: ImageRecord;
  /** -f/--set arguments, built once (charts/render.ts environmentValueArgs), paths relative to the workspace root. */
  valueArgs: string[];
  /** Digest of everything helm is given (chart digest, values files' content, --set values). */
  fingerprint: string;
}

export type Recovery = { kind: 'rollback'; revision: number; reason: string } | { kind: 'uninstall'; reason: string };

export interface AppPlan {
  app: string;
  /** skip: already there; upgrade: helm upgrade --install of the release's chart from the registry. */
  action: 'skip' | 'upgrade';
  /** Done first: a release stuck in a pending state (or a failed first install) is freed. */
  recover?: Recovery;
  reasons: string[];
}

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : 'none');

function chartLabel(chart: DesiredApp['chart']): string {
  return `${chart.name}-${chart.version}`;
}

/**
 * Decides what converging one app takes. Upgrade when the image digest, chart or values differ
 * (the fingerprint in the revision's description says), skip when they are equal, and free a
 * release stuck in a pending state first (roll back to the last good revision, or uninstall
 * when it never ran). The chart is the release's own (from the registry by digest), so any
 * release can be converged to from any checkout.
 */
export function planApp(desired: DesiredApp, state: DeployedState): AppPlan {
  const { app } = desired;
  if (!state.installed) return { app, action: 'upgrade', reasons: ['not installed'] };

  if (pendingStatuses.includes(state.status) || (state.status === 'failed' && !state.lastGood)) {
    const stuck = `revision ${state.revision} is ${state.status}`;
    const recover: Recovery = state.lastGood
      ? { kind: 'rollback', revision: state.lastGood.revision, reason: `${stuck}: roll back to revision ${state.lastGood.revision}, the last that ran` }
      : { kind: 'uninstall', reason: `${stuck} and no revision ever ran: uninstall it` };
    const restored = state.lastGood ? revisionIdentity(state.lastGood, state.history) : null;
    if (restored?.fingerprint === desired.fingerprint) return { app, action: 'skip', recover, reasons: ['the last good revision already runs this release'] };
    return { app, action: 'upgrade', reasons: [recover.reason], recover };
  }

  if (state.status === 'deployed' && state.fingerprint === desired.fingerprint) {
    return { app, action: 'skip', reasons: [`revision ${state.revision} runs release ${desired.releaseSha.slice(0, 12)} with the same image, chart and values`] };
  }

  const reasons: string[] = [];
  if (state.status !== 'deployed') reasons.push(`revision ${state.revision} is ${state.status}`);
  if (state.imageDigest !== desired.image.digest) reasons.push(`image ${short(state.imageDigest)} → ${short(desired.image.digest)}`);
  if (state.chart !== chartLabel(desired.chart)) reasons.push(`chart ${state.chart} → ${chartLabel(desired.chart)}`);
  if (reasons.length === 0) {
    reasons.push(state.fingerprint === null ? 'deployed without shipyard deploy (no fingerprint): converge' : 'chart content or environment values changed');
  }
  return { app, action: 'upgrade', reasons };
}

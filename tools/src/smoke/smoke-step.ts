import type { Environment } from '../charts/layout';
import type { DeployReport } from '../deploy/converge';
import { type HttpSettings, smokeChecks } from './checks';
import { type PortForward, portForward } from './port-forward';
import { type CheckResult, type RetryPolicy, runSmoke } from './run-smoke';
import { chartHealthPort, resolveTargets, type SmokeTarget } from './targets';

export interface SmokeStepOptions {
  environment: Environment;
  apps: readonly string[];
  urls: Record<string, string>;
  baseUrl?: string;
  portForward: boolean;
  namespace: string;
  policy: RetryPolicy;
  http: HttpSettings;
  log: (line: string) => void;
  /** With --rollback-on-failure: converges the environment back to its previous release. */
  rollback?: () => Promise<DeployReport>;
  /** Opens a port-forward (kubectl in the CLI; a stand-in in tests). */
  forward?: (app: string) => Promise<PortForward>;
  /** Where each app's health endpoints answer (--health-url); an app not named here is reached as below. */
  healthUrls?: Record<string, string>;
  /**
   * Opens a port-forward to one of the app's pods' health port, for an app whose chart gives its
   * /healthz a port of its own (healthPort). Default with portForward: kubectl (deployment/<app>
   * :health). Without either, the app's own URL is asked, as for services run without HEALTH_PORT
   * (`npm start`); the other apps' health endpoints share their Service port.
   */
  forwardHealth?: (app: string) => Promise<PortForward>;
  env?: NodeJS.ProcessEnv;
  chartsRoot?: string;
}

export interface SmokeOutcome {
  environment: Environment;
  ok: boolean;
  targets: SmokeTarget[];
  results: CheckResult[];
  /** Set when the checks failed and the environment was rolled back. */
  rolledBack?: { to: string; from: string | null };
  rollbackError?: string;
}

/** smoke: resolve where each app answers, run the checks, and on failure roll back when asked to. */
export async function smokeEnvironment(options: SmokeStepOptions): Promise<SmokeOutcome> {
  const { log } = options;
  const { entry, targets } = resolveTargets({ ...options, urls: options.urls });
  const forward = options.forward ?? ((app: string) => portForward(app, { namespace: options.namespace }));
  const forwardHealth = options.forwardHealth ?? (options.portForward ? (app: string) => portForward(app, { namespace: options.namespace, target: 'health' }) : undefined);
  const forwards: PortForward[] = [];
  const urls: Record<string, string> = {};
  const healthUrls: Record<string, string> = {};
  let results: CheckResult[];
  try {
    for (const target of targets) {
      if (target.url) urls[target.app] = target.url;
      else {
        const opened = await forward(target.app);
        forwards.push(opened);
        urls[target.app] = opened.url;
      }
      const given = options.healthUrls?.[target.app];
      const ownPort = chartHealthPort(target.app, options.environment, options.chartsRoot) !== undefined;
      let how: string;
      if (given) {
        healthUrls[target.app] = given;
        how = 'option';
      } else if (ownPort && forwardHealth) {
        const opened = await forwardHealth(target.app);
        forwards.push(opened);
        healthUrls[target.app] = opened.url;
        how = 'port-forward to the health port';
      } else {
        healthUrls[target.app] = urls[target.app];
        how = ownPort ? 'its own URL: its chart has a health port, but neither --health-url nor port-forward was given' : 'its own URL';
      }
      log(`${target.app}: ${urls[target.app]} (${target.source})${target.app === entry ? ' — entry' : ''}; health ${healthUrls[target.app]} (${how})`);
    }
    results = await runSmoke(smokeChecks(options.apps, options.http), { urls, healthUrls, entry, found: {} }, options.policy, log);
  } finally {
    for (const opened of forwards) opened.close();
  }
  const ok = results.every((result) => result.ok);
  const outcome: SmokeOutcome = { environment: options.environment, ok, targets, results };
  if (!ok && options.rollback) {
    log(`smoke failed in ${options.environment}: rolling back to the previous release`);
    try {
      const report = await options.rollback();
      outcome.rolledBack = { to: report.release.gitSha, from: report.before?.gitSha ?? null };
    } catch (error) {
      outcome.rollbackError = error instanceof Error ? error.message : String(error);
    }
  }
  return outcome;
}

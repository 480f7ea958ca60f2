import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { CliError, ExitCode } from '../../cli/errors';
import { parseManifests } from '../../charts/manifests';
import { type PodSpec, podTemplates } from '../../charts/pod-templates';
import type { HelmResult } from '../../helm/run';
import type { HelmRunner } from '../../deploy/helm-runner';
import { serviceValuesKey, type Environment } from '../../charts/layout';
import { type RunningContainer, planContainers } from './container-plan';
import { docker, lastLines } from './docker-cli';
import { type ContainerRun, dockerRunArgs, dockerRunFor, rehearsalLabel, withEnvFile, workspaceLabel } from './docker-run';
import { containerHealthPort, containerPort, type PortLayout, servicePort, serviceUrls } from './ports';

/** One helm revision as the stand-in records it; the pod spec is kept so `rollback N` can run it again. */
interface Revision {
  revision: number;
  status: 'deployed' | 'superseded' | 'failed';
  chart: string;
  description: string;
  updated: string;
  imageDigest: string | null;
  podSpec: PodSpec;
}

export interface DockerTargetOptions {
  workspace: string;
  environment: Environment;
  namespace: string;
  ports: PortLayout;
  /** Folder of this environment's state: releases.json (revisions per app). */
  stateDir: string;
  /** Service port → container port, read by the Service stand-in on every connection. */
  routesFile: string;
  secrets: Record<string, string>;
  extraCaFile?: string;
  /** Runs the real helm: `template` and `show chart` of the upgrade's chart reference (its own arguments) go there. */
  helm: HelmRunner;
  log: (line: string) => void;
}

const ok = (stdout = ''): HelmResult => ({ code: 0, stdout, stderr: '' });
const failed = (message: string): HelmResult => ({ code: 1, stdout: '', stderr: `Error: ${message}\n` });

function readJson<T>(file: string, fallback: T): T {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : fallback;
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Flags of `helm upgrade` that take a value, those that do not, and those that say how the chart
 * is pulled (oci://…@sha256:… from a registry with its own CA); what is left are the release, the
 * chart reference and the value arguments.
 */
const upgradeValueFlags = new Set(['--timeout', '--description', '--namespace']);
const upgradeSwitches = new Set(['--install', '--create-namespace', '--rollback-on-failure', '--atomic', '--wait', '--wait=watcher', '--wait=legacy']);
const pullFlags = new Set(['--ca-file']);

export interface ParsedUpgrade {
  app: string;
  /** The chart as the upgrade names it: oci://<registry>/<repository>@<digest> (or a folder). */
  chart: string;
  /** --ca-file …: given to every helm call that pulls the chart (template, show chart). */
  pullArgs: string[];
  namespace: string;
  description: string;
  rollbackOnFailure: boolean;
  valueArgs: string[];
}

export function parseUpgrade(args: readonly string[]): ParsedUpgrade {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  const valueArgs: string[] = [];
  const pullArgs: string[] = [];
  for (let i = 1; i < args.length; i += 1) {
    const arg = args[i];
    if (upgradeSwitches.has(arg)) continue;
    if (upgradeValueFlags.has(arg)) flags[arg] = args[++i];
    else if (pullFlags.has(arg)) pullArgs.push(arg, args[++i]);
    else if (arg.startsWith('-')) valueArgs.push(arg, args[++i]);
    else positional.push(arg);
  }
  return {
    app: positional[0],
    chart: positional[1],
    pullArgs,
    namespace: flags['--namespace'] ?? 'default',
    description: flags['--description'] ?? '',
    rollbackOnFailure: args.includes('--rollback-on-failure') || args.includes('--atomic'),
    valueArgs,
  };
}

/**
 * The deploy planner's second target: plays helm's release bookkeeping (history, values,
 * upgrade, rollback, uninstall) with Docker containers instead of a cluster. An upgrade renders
 * the chart with exactly the upgrade's arguments (helm template), runs the Deployment's pod spec
 * as a container next to the current one, waits for its readiness probe, routes the app's
 * Service stand-in to it and stops the old one; a failure leaves the old one serving.
 */
export class DockerDeployTarget implements HelmRunner {
  constructor(private readonly options: DockerTargetOptions) {}

  private get releasesFile(): string {
    return path.join(this.options.stateDir, 'releases.json');
  }

  private releases(): Record<string, Revision[]> {
    return readJson(this.releasesFile, {});
  }

  private save(app: string, revisions: Revision[]): void {
    const all = this.releases();
    if (revisions.length === 0) delete all[app];
    else all[app] = revisions;
    writeJson(this.releasesFile, all);
  }

  async run(args: readonly string[], runOptions?: { stream?: boolean }): Promise<HelmResult> {
    switch (args[0]) {
      case 'history':
        return this.history(args[1]);
      case 'get':
        return args[1] === 'values' ? this.values(args[2]) : failed(`helm get ${args[1]} has no rehearsal stand-in`);
      case 'upgrade':
        return this.upgrade(args);
      case 'rollback':
        return this.rollback(args[1], Number(args[2]));
      case 'uninstall':
        return this.uninstall(args[1]);
      default:
        return this.options.helm.run(args, runOptions);
    }
  }

  private history(app: string): HelmResult {
    const revisions = this.releases()[app] ?? [];
    if (revisions.length === 0) return { code: 1, stdout: '', stderr: 'Error: release: not found\n' };
    return ok(JSON.stringify(revisions.slice(-20).map(({ revision, status, chart, description, updated }) => ({ revision, status, chart, description, updated }))));
  }

  private values(app: string): HelmResult {
    const latest = (this.releases()[app] ?? []).at(-1);
    return ok(JSON.stringify(latest?.imageDigest ? { [serviceValuesKey]: { image: { digest: latest.imageDigest } } } : {}));
  }

  private async upgrade(args: readonly string[]): Promise<HelmResult> {
    const upgrade = parseUpgrade(args);
    // The chart pulled by digest exactly as helm upgrade would (helm template takes the same reference and --ca-file).
    const rendered = await this.options.helm.run(['template', upgrade.app, upgrade.chart, ...upgrade.pullArgs, '--namespace', upgrade.namespace, ...upgrade.valueArgs]);
    if (rendered.code !== 0) return rendered;
    const deployment = podTemplates(parseManifests(rendered.stdout).map((r) => r.object)).find((t) => t.workload.kind === 'Deployment');
    if (!deployment) return failed(`${upgrade.app}: the chart renders no Deployment; the rehearsal runs Deployments only`);
    const image = deployment.spec.containers?.[0]?.image ?? '';
    // helm records the installed chart's <name>-<version> (the service chart, not the generic one whose templates label the objects).
    const shown = await this.options.helm.run(['show', 'chart', upgrade.chart, ...upgrade.pullArgs]);
    if (shown.code !== 0) return shown;
    const chart = parse(shown.stdout) as { name?: string; version?: string } | null;
    const revisions = this.releases()[upgrade.app] ?? [];
    const revision: Revision = {
      revision: (revisions.at(-1)?.revision ?? 0) + 1,
      status: 'deployed',
      chart: chart?.name && chart.version ? `${chart.name}-${chart.version}` : upgrade.chart,
      description: upgrade.description,
      updated: new Date().toISOString(),
      imageDigest: /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1] ?? null,
      podSpec: deployment.spec,
    };
    const outcome = await this.converge(upgrade.app, revision, upgrade.namespace);
    if (outcome === null) {
      this.save(upgrade.app, [...revisions.map((r) => (r.status === 'deployed' ? { ...r, status: 'superseded' as const } : r)), revision]);
      return ok(`Release "${upgrade.app}" has been upgraded. Happy Helming!\n`);
    }
    const history = [...revisions, { ...revision, status: 'failed' as const }];
    const lastGood = [...revisions].reverse().find((r) => r.status === 'deployed');
    if (upgrade.rollbackOnFailure && lastGood) {
      // The old container was never stopped: rolling back is only bookkeeping, as with helm.
      history.push({ ...lastGood, revision: revision.revision + 1, status: 'deployed', description: `Rollback to ${lastGood.revision}`, updated: new Date().toISOString() });
      this.save(upgrade.app, history.map((r) => (r === lastGood ? { ...r, status: 'superseded' as const } : r)));
      return failed(`UPGRADE FAILED: ${outcome}; rolled back to revision ${lastGood.revision}`);
    }
    this.save(upgrade.app, upgrade.rollbackOnFailure ? [] : history);
    return failed(`${revisions.length === 0 ? 'INSTALLATION' : 'UPGRADE'} FAILED: ${outcome}`);
  }

  private async rollback(app: string, target: number): Promise<HelmResult> {
    const revisions = this.releases()[app] ?? [];
    const to = revisions.find((r) => r.revision === target);
    if (!to) return failed(`release ${app} has no revision ${target}`);
    const revision: Revision = { ...to, revision: (revisions.at(-1)?.revision ?? 0) + 1, status: 'deployed', description: `Rollback to ${target}`, updated: new Date().toISOString() };
    const outcome = await this.converge(app, revision, this.options.namespace);
    if (outcome !== null) {
      this.save(app, [...revisions, { ...revision, status: 'failed' }]);
      return failed(`rollback of ${app} to revision ${target} failed: ${outcome}`);
    }
    this.save(app, [...revisions.map((r) => (r.status === 'deployed' ? { ...r, status: 'superseded' as const } : r)), revision]);
    return ok(`Rollback was a success! Happy Helming!\n`);
  }

  private async uninstall(app: string): Promise<HelmResult> {
    for (const container of await this.containers(app)) await docker(['rm', '--force', container.id]);
    this.route(app, null);
    this.save(app, []);
    return ok(`release "${app}" uninstalled\n`);
  }

  /** The app's rehearsal containers in this environment. */
  async containers(app: string): Promise<RunningContainer[]> {
    const listed = await docker(['ps', '--all', '--no-trunc', '--filter', `label=${rehearsalLabel}=1`, '--filter', `label=${workspaceLabel}=${this.options.workspace}`, '--filter', `label=shipyard.env=${this.options.environment}`, '--filter', `label=shipyard.app=${app}`, '--format', '{{json .}}']);
    if (listed.code !== 0) throw new Error(`docker ps failed: ${lastLines(listed.stderr)}`);
    return listed.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { ID: string; Names: string; Labels: string; State: string })
      .map((row) => {
        const labels = Object.fromEntries(row.Labels.split(',').map((pair) => pair.split('=') as [string, string]));
        return { id: row.ID, name: row.Names, revision: Number(labels['shipyard.revision']), specHash: labels['shipyard.spec'], port: Number(labels['shipyard.port']), running: row.State === 'running' };
      });
  }

  /** The app's health endpoints (HEALTH_PORT): the health port of the container its Service routes to. */
  healthUrl(app: string): string {
    const routed = this.routes()[String(servicePort(this.options.ports, this.options.environment, app))];
    if (routed === undefined) throw new CliError(`${app}: no container of it runs in ${this.options.environment}, so it has no health port to ask`, ExitCode.failed);
    return `http://127.0.0.1:${containerHealthPort(routed)}`;
  }

  private routes(): Record<string, number> {
    return readJson(this.options.routesFile, {});
  }

  private route(app: string, port: number | null): void {
    const routes = this.routes();
    const key = String(servicePort(this.options.ports, this.options.environment, app));
    if (port === null) delete routes[key];
    else routes[key] = port;
    writeJson(this.options.routesFile, routes);
  }

  private runFor(app: string, revision: Revision, namespace: string, port: number): ContainerRun {
    return dockerRunFor(revision.podSpec, {
      workspace: this.options.workspace,
      environment: this.options.environment,
      namespace,
      app,
      revision: revision.revision,
      port,
      healthPort: containerHealthPort(port),
      serviceUrls: serviceUrls(this.options.ports, this.options.environment),
      secrets: this.options.secrets,
      extraCaFile: this.options.extraCaFile,
    });
  }

  /** Brings the app's containers to the revision's pod spec; null on success, else why it failed (the old container still serves). */
  private async converge(app: string, revision: Revision, namespace: string): Promise<string | null> {
    const { log } = this.options;
    const ports = [0, 1].map((slot) => containerPort(this.options.ports, this.options.environment, app, slot as 0 | 1)) as [number, number];
    const current = await this.containers(app);
    const routed = this.routes()[String(servicePort(this.options.ports, this.options.environment, app))] ?? null;
    const probe = this.runFor(app, revision, namespace, ports[0]);
    const plan = planContainers(current, { specHash: probe.specHash, ports }, routed);
    for (const stale of plan.remove) {
      log(`${app}: removing leftover container ${stale.name}`);
      await docker(['rm', '--force', stale.id]);
    }
    if (plan.kind === 'keep') {
      log(`${app}: container ${plan.active.name} already runs this pod spec: kept`);
      this.route(app, plan.active.port);
      return null;
    }
    const run = this.runFor(app, revision, namespace, plan.port);
    log(`${app}: docker run ${run.name} (${run.image.split('@')[1]?.slice(0, 19) ?? run.image}) on 127.0.0.1:${plan.port}`);
    await docker(['rm', '--force', run.name]);
    const started = await withEnvFile(run.env, (envFile) => docker(dockerRunArgs(run, envFile)));
    if (started.code !== 0) return `docker run ${run.name} failed: ${lastLines(started.stderr)}`;
    const problem = await this.waitReady(run);
    if (problem) {
      const logs = await docker(['logs', '--tail', '15', run.name]);
      await docker(['rm', '--force', run.name]);
      return `${problem}\n${lastLines(`${logs.stdout}\n${logs.stderr}`, 15)}`;
    }
    this.route(app, plan.port);
    if (plan.active) {
      log(`${app}: ${run.name} ready; Service routed to it; stopping ${plan.active.name}`);
      await docker(['stop', '--time', String(run.stopTimeoutSeconds), plan.active.id]);
      await docker(['rm', '--force', plan.active.id]);
    } else log(`${app}: ${run.name} ready; Service 127.0.0.1:${servicePort(this.options.ports, this.options.environment, app)} routed to it`);
    return null;
  }

  private async waitReady(run: ContainerRun): Promise<string | null> {
    const deadline = Date.now() + run.readyTimeoutMs;
    let last = 'no answer yet';
    for (let attempt = 0; Date.now() < deadline; attempt += 1) {
      try {
        const response = await fetch(`http://127.0.0.1:${run.readinessPort}${run.readinessPath}`, { signal: AbortSignal.timeout(2000) });
        if (response.status === 200) return null;
        last = `readiness answered ${response.status}`;
      } catch (error) {
        last = `readiness: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`;
      }
      if (attempt % 4 === 3) {
        const state = await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', run.name]);
        if (!state.stdout.startsWith('running')) return `${run.name} exited (${state.stdout.trim()}) before it was ready`;
      }
      await sleep(500);
    }
    return `${run.name} not ready within ${run.readyTimeoutMs / 1000} s (${last})`;
  }
}

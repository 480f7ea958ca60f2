import { spawn } from 'node:child_process';
import { closeSync, existsSync, realpathSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../../cli/errors';
import { runShipyardInProcess } from '../../cli/in-process';
import type { DigestFile } from '../../charts/digests';
import { environments as allEnvironments, findChart, type Environment } from '../../charts/layout';
import { failedOutcomes, verifyChart } from '../../charts/verify';
import { deployRelease, rollbackEnvironment } from '../../deploy/converge';
import { type HelmRunner, pinnedHelmRunner } from '../../deploy/helm-runner';
import { defaultHelm } from '../../helm/binary';
import { convergeSettings } from '../../deploy/settings';
import { shipyardCacheDir } from '../../images/cache-dir';
import { registryStatus } from '../registry/registry-server';
import { parseRegistryAddress, registryLayout } from '../registry/registry-settings';
import { loadDeployableApps } from '../../release/deployable-apps';
import { parseReleaseRef } from '../../release/release-ref';
import { type PortForward, portForward } from '../../smoke/port-forward';
import { smokeEnvironment } from '../../smoke/smoke-step';
import { docker, exec, lastLines } from './docker-cli';
import { DockerDeployTarget } from './docker-target';
import { rehearsalLabel, workspaceId, workspaceLabel } from './docker-run';
import { clusterDown, defaultClusterName } from '../cluster/cluster';
import { clusterNetwork } from '../cluster/config';
import { accepting, portFree } from '../loopback';
import { type KubeEnvironment, listPods, prepareKubeEnvironment } from './kube-deploy';
import { clusterHelm, connectionStringSecret, type TargetChoice } from './kube-target';
import { containerHealthPort, portLayout, type PortLayout, rehearsalPorts, servicePort, serviceUrls, telemetryPort } from './ports';
import { ownProcessAlive, readState, type RehearsalState, statePaths, type StatePaths, writeState } from './state';
import { formatSummary, nxRan, progressLine, type StageRecord } from './summary';
import { checkTelemetry } from './telemetry-check';

export interface RehearseOptions {
  root: string;
  environments: Environment[];
  /** Affected base; default: the commit of the previous rehearsal, else everything. */
  base?: string;
  portBase: number;
  registry: string;
  /** Nx targets run for the affected projects. */
  targets: string[];
  namespace: string;
  smokeAttempts: number;
  /** false: Nx and Docker build layers are not reused (a cold run; the base images still are). */
  cache?: boolean;
  /** Where the environments are deployed (resolveTarget); default the Docker stand-in. */
  target?: TargetChoice;
  /** With a kube target on a cluster the user named. */
  kubeconfig?: string;
  kubeContext?: string;
  write: (text: string) => void;
}

export interface RehearsalOutcome {
  ok: boolean;
  stages: StageRecord[];
  sha: string;
  apps: { affected: string[]; built: string[] };
  urls: { storefront: Record<string, string>; telemetry: string; registry: string };
  digests: Record<string, string>;
  /** docker: the stand-in helm's containers; kube: the cluster and its running pods. */
  target: { kind: 'docker' | 'kube'; cluster?: string; why: string };
  containers: Record<string, Record<string, string>>;
  pods: Record<string, Record<string, string[]>>;
  telemetry: Record<string, ReturnType<typeof checkTelemetry>>;
}

class StageFailed extends Error {}

/** The shipyard CLI of this checkout as a subprocess: literally the command the pipeline runs. */
function shipyardArgs(root: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--conditions=@shipyard/source', path.join(root, 'tools', 'bin', 'shipyard.cjs'), ...args]];
}

export async function requireDocker(): Promise<void> {
  let info;
  try {
    info = await docker(['info', '--format', '{{.ServerVersion}}']);
  } catch {
    throw new CliError('the docker client is not installed: install Docker (Debian: apt-get install -y docker.io) and start the engine', ExitCode.environment);
  }
  if (info.code !== 0) {
    throw new CliError(
      `no Docker engine answers (${lastLines(info.stderr, 1)}): start it (e.g. \`sudo systemctl start docker\`, or \`dockerd --bridge=none --iptables=false >/tmp/dockerd.log 2>&1 &\`) and run the rehearsal again`,
      ExitCode.environment,
    );
  }
}

/** Starts a shipyard command in the background (it outlives the rehearsal until --down), output to a log file. */
function startDetached(root: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): number {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'w');
  const [command, argv] = shipyardArgs(root, args);
  const child = spawn(command, argv, { cwd: root, env, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new CliError(`could not start shipyard ${args.join(' ')}`, ExitCode.environment);
  return child.pid;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null> | T | null): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await sleep(250);
  }
  throw new CliError(`${what} did not come up within ${timeoutMs / 1000} s`, ExitCode.environment);
}

export async function rehearse(options: RehearseOptions): Promise<RehearsalOutcome> {
  const started = Date.now();
  const { root, write } = options;
  const log = (message: string) => write(`${progressLine(Date.now() - started, message)}\n`);
  const paths = statePaths(root);
  mkdirSync(paths.dir, { recursive: true });
  const state = readState(paths);
  const stages: StageRecord[] = [];
  const address = parseRegistryAddress(options.registry);
  const registry = `${address.host}:${address.port}`;
  const layout = registryLayout(shipyardCacheDir());
  const appNames = (await loadDeployableApps()).map((app) => app.name);
  const ports = portLayout(options.portBase, appNames);
  // The Nx stage is the verify job: it gets the caller's environment, not the registry settings of the later stages.
  const verifyEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  const env = { ...verifyEnv, SHIPYARD_REGISTRY: registry, SHIPYARD_BASE_REGISTRY: registry, SHIPYARD_REGISTRY_CA: layout.certFile };
  // The commands run in this process (see `shipyard` below) read the same settings.
  Object.assign(process.env, { SHIPYARD_REGISTRY: env.SHIPYARD_REGISTRY, SHIPYARD_BASE_REGISTRY: env.SHIPYARD_BASE_REGISTRY, SHIPYARD_REGISTRY_CA: env.SHIPYARD_REGISTRY_CA, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' });
  const outcome: RehearsalOutcome = {
    ok: false,
    stages,
    sha: '',
    apps: { affected: [], built: [] },
    urls: { storefront: {}, telemetry: `https://127.0.0.1:${telemetryPort(ports)}/`, registry: `https://${registry}` },
    digests: {},
    target: { kind: options.target?.kind ?? 'docker', why: options.target?.why ?? 'default' },
    containers: {},
    pods: {},
    telemetry: {},
  };

  // The pipeline's own commands, run in this process: a subprocess each would cost seconds of start-up.
  const shipyard = async (args: string[], hide?: (line: string) => boolean) => {
    log(`$ shipyard ${args.join(' ').slice(0, 160)}${args.join(' ').length > 160 ? '…' : ''}`);
    const result = await runShipyardInProcess(args, (line) => (hide?.(line) ? undefined : write(`    ${line}\n`)));
    if (result.code !== 0) throw new StageFailed(`shipyard ${args[0]} ${args[1] ?? ''} exited ${result.code}: ${lastLines(result.stderr, 3)}`);
  };
  const stage = async (name: string, body: () => Promise<{ did: string; result?: StageRecord['result'] }>) => {
    const at = Date.now();
    log(`── ${name}`);
    try {
      const { did, result } = await body();
      stages.push({ stage: name, did, durationMs: Date.now() - at, result: result ?? 'ok' });
      log(`${name}: ${result ?? 'ok'} in ${((Date.now() - at) / 1000).toFixed(1)} s — ${did}`);
      return result ?? 'ok';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      stages.push({ stage: name, did: message.split('\n')[0].slice(0, 300), durationMs: Date.now() - at, result: 'failed' });
      log(`${name}: FAILED — ${message}`);
      throw new StageFailed(message);
    }
  };

  await requireDocker();
  const git = async (args: string[]) => (await exec('git', args, { cwd: root })).stdout.trim();
  outcome.sha = await git(['rev-parse', 'HEAD']);
  if ((await git(['status', '--porcelain', '--untracked-files=no'])) !== '') {
    throw new CliError('the working tree has uncommitted changes: commit them first (a rehearsal, like the pipeline, releases a commit)', ExitCode.usage);
  }
  await checkPorts(root, ports, options.environments, state);

  try {
    // 1. affected
    await stage('affected', async () => {
      const base = options.base ?? state.lastReleaseSha;
      const file = path.join(paths.dir, 'affected.json');
      if (base && (await exec('git', ['cat-file', '-e', `${base}^{commit}`], { cwd: root })).code === 0) {
        await shipyard(['affected', '--base', base, '--out', file]);
      } else {
        const files = (await git(['ls-files'])).split('\n').filter(Boolean);
        log(base ? `base ${base} is not in this clone: everything is affected` : 'no previous rehearsal: everything is affected');
        // Every tracked file changed: the per-file lines would be the whole checkout, so only the verdicts are shown.
        await shipyard(['affected', '--files', files.join(','), '--out', file], (line) => /^ {6}\S/.test(line));
      }
      const affected = JSON.parse(readFileSync(file, 'utf8')) as { apps: { name: string; reasons: string[] }[]; base: string | null };
      outcome.apps.affected = affected.apps.map((a) => a.name).filter((name) => appNames.includes(name));
      return { did: `${outcome.apps.affected.length ? outcome.apps.affected.join(', ') : 'no app'} affected (base ${base && affected.base ? base.slice(0, 12) : 'none: everything'})` };
    });

    // 2. lint, test, build through Nx
    await stage('lint/test/build', async () => {
      // As the verify job (pipelines/steps/helm.yml): the chart projects' targets and the tools' tests
      // call the pinned helm, so it is made sure of (fetched once, integrity checked) before Nx runs.
      // The resolver `shipyard helm` uses, not the command itself: helm's own output would land on
      // stdout, where --json puts the outcome.
      const pinnedHelm = await defaultHelm((line) => write(`    ${line}\n`));
      log(`helm ${pinnedHelm.version} (${pinnedHelm.source}: ${pinnedHelm.path})`);
      const base = options.base ?? state.lastReleaseSha;
      const nx = realpathSync(path.join(root, 'node_modules', '.bin', 'nx'));
      const args = base && outcome.apps.affected.length < appNames.length
        ? ['affected', '-t', ...options.targets, `--base=${base}`, '--outputStyle=static', '--parallel=2']
        : ['run-many', '-t', ...options.targets, '--outputStyle=static', '--parallel=2'];
      if (options.cache === false) args.push('--skip-nx-cache');
      log(`$ nx ${args.join(' ')}`);
      // Nx prints each task's output (a failing test's report) on stdout: the person rehearsing sees it as it comes.
      const result = await exec(process.execPath, [nx, ...args], { cwd: root, env: verifyEnv, onLine: (line) => write(`    ${line}\n`), linesFrom: 'both' });
      const output = `${result.stdout}\n${result.stderr}`;
      if (result.code !== 0) throw new StageFailed(`nx ${args[0]} -t ${options.targets.join(' ')} failed:\n${lastLines(output, 12)}`);
      return { did: `nx ${args[0]} -t ${options.targets.join(',')}: ${nxRan(output)}` };
    });

    // 3. images (the base images are pushed to the local registry, so it is made sure of first)
    const before = await registryStatus(address, layout);
    // Also when it runs: `registry up` makes sure of Docker's login to it (and restarts one whose configuration is out of date).
    await shipyard(['registry', 'up', '--address', registry]);
    if (!before.running) state.registry = { address: registry, startedByRehearsal: true };
    else if (!state.registry || state.registry.address !== registry) state.registry = { address: registry, startedByRehearsal: false };
    writeState(paths, state);
    await stage('images', async () => {
      await shipyard(['images', 'base', '--registry', registry]);
      if (outcome.apps.affected.length === 0) return { did: 'base images present; no app to build' };
      await shipyard(['images', 'build', ...outcome.apps.affected, '--registry', registry, ...(options.cache === false ? ['--no-cache'] : [])]);
      outcome.apps.built = [...outcome.apps.affected];
      return { did: `base images present; built ${outcome.apps.built.join(', ')}` };
    });

    // 4. registry, push, release
    const releaseFile = path.join(paths.dir, 'release.json');
    await stage('registry + release', async () => {
      const digestFile = path.join(paths.dir, 'images.json');
      rmSync(digestFile, { force: true });
      if (outcome.apps.built.length > 0) await shipyard(['images', 'push', ...outcome.apps.built, '--registry', registry, '--digest-file', digestFile]);
      else writeFileSync(digestFile, '{}\n');
      // The affected service charts as OCI artifacts, as the pipeline's release job pushes them; the
      // others are carried over from the previous release (a re-pushed chart would restart its app).
      const chartsFile = path.join(paths.dir, 'charts.json');
      rmSync(chartsFile, { force: true });
      await shipyard(['charts', 'push', '--affected', path.join(paths.dir, 'affected.json'), '--sha', outcome.sha, '--out', chartsFile, '--registry', registry, '--ca-file', layout.certFile]);
      const charts = Object.keys(JSON.parse(readFileSync(chartsFile, 'utf8')) as Record<string, unknown>);
      await shipyard(['release', 'create', '--sha', outcome.sha, '--images', digestFile, '--charts', chartsFile, '--out', releaseFile, '--registry', registry, '--ca-file', layout.certFile]);
      await shipyard(['release', 'push', '--release', releaseFile, '--registry', registry, '--ca-file', layout.certFile]);
      const manifest = JSON.parse(readFileSync(releaseFile, 'utf8')) as { apps: Record<string, { image: { repository: string; tag: string; digest: string } }> };
      for (const [app, entry] of Object.entries(manifest.apps)) outcome.digests[app] = entry.image.digest;
      state.lastReleaseSha = outcome.sha;
      writeState(paths, state);
      return { did: `registry ${before.running ? 'was running' : 'started'} at ${registry}; pushed ${outcome.apps.built.length} image(s), ${charts.length} chart(s) to oci://${registry}/helm; release ${outcome.sha.slice(0, 12)} with ${Object.keys(manifest.apps).length} apps` };
    });
    const manifest = JSON.parse(readFileSync(releaseFile, 'utf8')) as { apps: Record<string, { image: { repository: string; tag: string; digest: string } }> };

    // telemetry endpoint and (Docker) the Service stand-ins or (Kubernetes) the cluster: started once, kept until --down
    const telemetry = await ensureTelemetry(root, paths, state, ports, env, log);
    const target = options.target ?? { kind: 'docker', why: 'default' };
    log(`deploy target: ${target.kind === 'docker' ? 'Docker containers playing helm' : 'Kubernetes'} (${target.why})`);
    // Set inside the cluster stage (a closure: TypeScript would otherwise narrow it to null).
    let kube = null as KubeEnvironment | null;
    await retireOtherTarget(target.kind, root, paths, state, log);
    if (target.kind === 'docker') await ensureProxy(root, paths, state, ports, options.environments, env, log);
    else {
      await stage('cluster', async () => {
        const prepared = await prepareKubeEnvironment({
          target,
          kubeconfig: options.kubeconfig,
          context: options.kubeContext,
          cacheDir: shipyardCacheDir(),
          registry,
          namespace: options.namespace,
          environment: options.environments[0],
          telemetry: { connectionString: telemetry.connectionString, caFile: telemetry.caFile, hostPort: telemetryPort(ports) },
          valuesFile: path.join(paths.dir, 'kube-values.yaml'),
          // Recorded before `cluster up` runs, so --down takes down even a cluster whose start failed half-way.
          starting: () => {
            state.cluster = { name: defaultClusterName, startedByRehearsal: true };
            writeState(paths, state);
          },
          log,
        });
        if (prepared.local && !state.cluster) state.cluster = { name: defaultClusterName, startedByRehearsal: false };
        writeState(paths, state);
        kube = prepared;
        outcome.target = { kind: 'kube', cluster: prepared.describe, why: target.why };
        return { did: `${prepared.started ? 'started' : 'using'} ${prepared.describe}; namespace ${prepared.namespace} set up (connection Secret${prepared.local ? ", the endpoint's certificate; pods report to the local endpoint" : ''})` };
      });
    }

    // 5–7. per environment
    let overall: StageRecord['result'] = 'ok';
    for (const environment of options.environments) {
      const digests: DigestFile = Object.fromEntries(
        Object.entries(manifest.apps).map(([app, entry]) => [
          app,
          { repository: `${registry}/${entry.image.repository}`, tag: entry.image.tag, digest: entry.image.digest, reference: `${registry}/${entry.image.repository}@${entry.image.digest}` },
        ]),
      );
      await stage(`charts ${environment}`, async () => {
        let checks = 0;
        const problems: string[] = [];
        for (const app of Object.keys(manifest.apps)) {
          const report = await verifyChart(findChart(app), { environments: [environment], digests: { file: path.join(paths.dir, 'release.json'), data: digests }, log: (line) => log(line) });
          checks += report.outcomes.filter((o) => o.applied).length;
          for (const failed of failedOutcomes(report)) for (const finding of failed.findings) problems.push(`${app}: ${failed.check} ${finding.object}: ${finding.message}`);
        }
        if (problems.length > 0) throw new StageFailed(`${problems.length} chart check(s) failed:\n${problems.join('\n')}`);
        return { did: `rendered ${Object.keys(manifest.apps).length} charts with the ${environment} overlay and the release digests; ${checks} schema/policy checks passed` };
      });

      const settings = await convergeSettings({ env: environment, timeout: '5m', namespace: options.namespace, registry, caFile: [layout.certFile] }, (line) => log(`[deploy] ${line}`));
      // The Secret the environment's values name (charts/environments/<env>.yaml), as on the cluster.
      const secret = connectionStringSecret(environment);
      // Deploy's helm, and where smoke reaches a health port no Service exposes (the storefront's):
      // one of the pods through kubectl in a cluster, the routed container here.
      let helm: HelmRunner;
      let forwardHealth: (app: string) => Promise<PortForward>;
      if (kube) {
        const cluster = kube;
        helm = clusterHelm(pinnedHelmRunner({ log }), cluster.access, cluster.valuesFile);
        forwardHealth = (app) => portForward(app, { namespace: cluster.namespace, target: 'health', kubectl: cluster.kubectl, ...cluster.access });
      } else {
        const containers = new DockerDeployTarget({
          workspace: workspaceId(root),
          environment,
          namespace: options.namespace,
          ports,
          stateDir: paths.envDir(environment),
          routesFile: paths.routesFile,
          secrets: { [`${secret.name}/${secret.key}`]: telemetry.connectionString },
          extraCaFile: telemetry.caFile,
          helm: pinnedHelmRunner({ log }),
          log: (line) => log(`[containers] ${line}`),
        });
        helm = containers;
        forwardHealth = async (app) => ({ url: containers.healthUrl(app), close: () => undefined });
      }
      const converge = { ...settings, helm };
      await stage(`deploy ${environment}`, async () => {
        const report = await deployRelease(parseReleaseRef(outcome.sha), converge);
        const changed = report.apps.filter((a) => a.action !== 'skip').map((a) => `${a.app} (${a.action})`);
        const what = kube ? `helm releases in ${kube.namespace} on ${kube.describe}` : 'containers';
        // The Services on this machine's loopback, at the ports the Docker stand-ins use.
        if (kube) await ensureForwards(root, paths, state, ports, environment, kube, env, log);
        return { did: `converged ${what} to ${outcome.sha.slice(0, 12)}: ${changed.length ? changed.join(', ') : 'nothing changed'}; kept ${report.apps.length - changed.length}` };
      });

      const urls = serviceUrls(ports, environment);
      outcome.urls.storefront[environment] = urls.storefront ?? Object.values(urls)[0];
      const telemetryBefore = await envelopeCount(telemetry);
      const smoke = await stage(`smoke ${environment}`, async () => {
        const result = await smokeEnvironment({
          environment,
          apps: appNames,
          urls,
          portForward: false,
          forwardHealth,
          namespace: options.namespace,
          policy: { attempts: options.smokeAttempts, intervalMs: 2000 },
          http: { requestTimeoutMs: 5000 },
          rollback: () => rollbackEnvironment(converge),
          log: (line) => log(`[smoke] ${line}`),
        });
        const passed = result.results.filter((r) => r.ok).length;
        if (result.ok) return { did: `${passed}/${result.results.length} checks passed (${result.results.at(-1)?.detail ?? ''})` };
        const failedNames = result.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`).join('; ');
        if (result.rolledBack) return { did: `FAILED (${failedNames}); rolled back from ${result.rolledBack.from?.slice(0, 12)} to ${result.rolledBack.to.slice(0, 12)}`, result: 'rolled back' };
        throw new StageFailed(`${failedNames}${result.rollbackError ? `; rollback failed: ${result.rollbackError}` : ''}`);
      });
      if (kube) outcome.pods[environment] = await listPods(kube);
      else outcome.containers[environment] = await runningContainers(root, environment);
      if (smoke === 'rolled back') {
        overall = 'rolled back';
        break;
      }
      if (kube && !kube.local) {
        stages.push({ stage: `telemetry ${environment}`, did: `not checked: the pods of ${kube.describe} cannot reach this machine's endpoint`, durationMs: 0, result: 'skipped' });
        continue;
      }
      await stage(`telemetry ${environment}`, async () => {
        let verdict = checkTelemetry([], appNames, 'storefront');
        const deadline = Date.now() + 45_000;
        while (Date.now() < deadline) {
          const envelopes = await fetchEnvelopes(telemetry);
          verdict = checkTelemetry(envelopes.slice(telemetryBefore), appNames, 'storefront');
          if (verdict.ok) break;
          await sleep(1500);
        }
        outcome.telemetry[environment] = verdict;
        if (!verdict.ok) throw new StageFailed(`telemetry incomplete: ${verdict.problems.join('; ')}`);
        return { did: `requests ${Object.entries(verdict.requests).map(([a, n]) => `${a} ${n}`).join(', ')}; dependencies ${Object.entries(verdict.dependencies).map(([k, n]) => `${k} ×${n}`).join(', ')}; ${verdict.correlatedOperations} correlated operations` };
      });
    }
    outcome.ok = overall === 'ok';
    state.environments = [...new Set([...(state.environments ?? []), ...options.environments])];
    writeState(paths, state);
  } catch (error) {
    if (!(error instanceof StageFailed)) throw error;
  }
  write(`\n${formatSummary(stages)}\n\n`);
  const servedBy = outcome.target.kind === 'kube' ? ` (pods on ${outcome.target.cluster}, namespace ${options.namespace}, through kubectl port-forward)` : '';
  for (const [environment, url] of Object.entries(outcome.urls.storefront)) write(`storefront (${environment}): ${url}/${servedBy}\n`);
  write(`telemetry:  ${outcome.urls.telemetry}  (JSON: ${outcome.urls.telemetry}api/summary)\nregistry:   ${outcome.urls.registry}\nstop everything: npm run rehearse -- --down\n`);
  return outcome;
}

async function checkPorts(root: string, ports: PortLayout, environments: readonly Environment[], state: RehearsalState): Promise<void> {
  const ours = new Set<number>();
  if (ownProcessAlive(state.proxy?.pid)) for (const port of state.proxy?.ports ?? []) ours.add(port);
  if (ownProcessAlive(state.telemetry?.pid)) ours.add(telemetryPort(ports));
  if (ownProcessAlive(state.forwards?.pid)) for (const port of state.forwards?.ports ?? []) ours.add(port);
  const listed = await docker(['ps', '--filter', `label=${rehearsalLabel}=1`, '--filter', `label=${workspaceLabel}=${workspaceId(root)}`, '--format', '{{.Label "shipyard.port"}}']);
  // A container of ours holds its port and, when its pod spec has HEALTH_PORT, that port's health port.
  for (const port of listed.stdout.split('\n').filter(Boolean)) ours.add(Number(port)).add(containerHealthPort(Number(port)));
  const busy: number[] = [];
  const wanted = rehearsalPorts(ports, environments);
  for (const port of wanted) if (!ours.has(port) && !(await portFree(port))) busy.push(port);
  if (busy.length > 0) {
    throw new CliError(
      `port(s) ${busy.join(', ')} on 127.0.0.1 are in use by something else: stop it, or move the rehearsal with --port-base <n> (it uses <n>…<n>+${Math.max(...wanted) - ports.base})`,
      ExitCode.environment,
    );
  }
}

async function ensureTelemetry(root: string, paths: StatePaths, state: RehearsalState, ports: PortLayout, env: NodeJS.ProcessEnv, log: (line: string) => void) {
  if (state.telemetry && ownProcessAlive(state.telemetry.pid)) return state.telemetry;
  const logFile = paths.log('telemetry');
  const dataDir = path.join(paths.dir, 'telemetry');
  // The browser SDK of every environment's storefront posts here from that storefront's origin
  // (all environments: a later run with more of them reuses this endpoint).
  const origins = allEnvironments.flatMap((environment) => {
    const url = serviceUrls(ports, environment).storefront;
    return url ? ['--allow-origin', url, '--allow-origin', url.replace('127.0.0.1', 'localhost')] : [];
  });
  const pid = startDetached(root, ['telemetry', 'serve', '--port', String(telemetryPort(ports)), '--data-file', path.join(dataDir, 'envelopes.jsonl'), '--cert-dir', path.join(dataDir, 'cert'), '--reset', '--json', '--node-address', clusterNetwork.nodeIp, ...origins], logFile, env);
  log(`telemetry endpoint started (pid ${pid}, log ${path.relative(root, logFile)})`);
  const details = await waitFor('the telemetry endpoint', 30_000, () => {
    const line = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').find((l) => l.startsWith('{')) : undefined;
    if (!line && !ownProcessAlive(pid)) throw new CliError(`shipyard telemetry serve exited:\n${readFileSync(logFile, 'utf8')}`, ExitCode.environment);
    return line ? (JSON.parse(line) as { url: string; connectionString: string; caCertificate: string }) : null;
  });
  state.telemetry = { pid, url: details.url, connectionString: details.connectionString, caFile: details.caCertificate };
  writeState(paths, state);
  return state.telemetry;
}

async function ensureProxy(root: string, paths: StatePaths, state: RehearsalState, ports: PortLayout, environments: readonly Environment[], env: NodeJS.ProcessEnv, log: (line: string) => void) {
  const wanted = environments.flatMap((environment) => ports.apps.map((app) => servicePort(ports, environment, app)));
  if (state.proxy && ownProcessAlive(state.proxy.pid)) {
    if (wanted.every((port) => state.proxy?.ports.includes(port))) return;
    process.kill(state.proxy.pid, 'SIGTERM');
    await waitFor('the old Service stand-in to stop', 10_000, () => (ownProcessAlive(state.proxy?.pid) ? null : true));
  }
  const all = [...new Set([...(state.proxy?.ports ?? []), ...wanted])].sort((a, b) => a - b);
  const logFile = paths.log('services');
  const pid = startDetached(root, ['rehearse', 'services', '--routes', paths.routesFile, '--ports', all.join(',')], logFile, env);
  await waitFor('the Service stand-ins', 30_000, () => {
    if (!ownProcessAlive(pid)) throw new CliError(`the Service stand-in exited:\n${readFileSync(logFile, 'utf8')}`, ExitCode.environment);
    return readFileSync(logFile, 'utf8').includes('listening') ? true : null;
  });
  state.proxy = { pid, ports: all };
  writeState(paths, state);
  log(`Service stand-ins listening on 127.0.0.1:${all.join(',')} (pid ${pid})`);
}

/**
 * `shipyard rehearse forward` in the background: kubectl port-forward of every app's Service to
 * the loopback ports the Docker stand-ins would use, kept running (and restarted when a rollout
 * replaces the pod it was bound to) until --down.
 */
async function ensureForwards(root: string, paths: StatePaths, state: RehearsalState, ports: PortLayout, environment: Environment, kube: KubeEnvironment, env: NodeJS.ProcessEnv, log: (line: string) => void) {
  const wanted = ports.apps.map((app) => ({ app, port: servicePort(ports, environment, app) }));
  const same = (record: NonNullable<RehearsalState['forwards']>) =>
    record.kubeconfig === kube.access.kubeconfig && record.context === kube.access.context && record.namespace === kube.namespace && wanted.every((spec) => record.specs.includes(`${spec.app}=${spec.port}`));
  if (state.forwards && ownProcessAlive(state.forwards.pid)) {
    if (same(state.forwards)) return;
    process.kill(state.forwards.pid, 'SIGTERM');
    await waitFor('the old port-forwards to stop', 10_000, () => (ownProcessAlive(state.forwards?.pid) ? null : true));
  }
  const kept = state.forwards && state.forwards.kubeconfig === kube.access.kubeconfig && state.forwards.namespace === kube.namespace ? state.forwards.specs : [];
  const specs = [...new Set([...kept, ...wanted.map((spec) => `${spec.app}=${spec.port}`)])];
  const logFile = paths.log('forwards');
  const args = ['rehearse', '--kubeconfig', kube.access.kubeconfig, ...(kube.access.context ? ['--context', kube.access.context] : []), 'forward', '--namespace', kube.namespace, ...specs.flatMap((spec) => ['--forward', spec])];
  const pid = startDetached(root, args, logFile, env);
  const portsOf = specs.map((spec) => Number(spec.split('=')[1]));
  state.forwards = { pid, specs, ports: portsOf, kubeconfig: kube.access.kubeconfig, context: kube.access.context, namespace: kube.namespace };
  writeState(paths, state);
  await waitFor('kubectl port-forward', 60_000, async () => {
    if (!ownProcessAlive(pid)) throw new CliError(`shipyard rehearse forward exited:\n${readFileSync(logFile, 'utf8')}`, ExitCode.environment);
    return (await Promise.all(wanted.map((spec) => accepting(spec.port)))).every(Boolean) ? true : null;
  });
  log(`Services forwarded to 127.0.0.1:${wanted.map((spec) => spec.port).join(',')} (kubectl port-forward, pid ${pid}, log ${path.relative(root, logFile)})`);
}

/** The endpoint's JSON API, trusting only its own self-signed certificate. */
function fetchEnvelopes(endpoint: { url: string; caFile: string }): Promise<Parameters<typeof checkTelemetry>[0]> {
  return new Promise((resolve, reject) => {
    const request = https.get(`${endpoint.url}/api/envelopes`, { ca: readFileSync(endpoint.caFile), timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Parameters<typeof checkTelemetry>[0]);
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error('the telemetry endpoint did not answer within 5 s')));
    request.on('error', reject);
  });
}

async function envelopeCount(endpoint: { url: string; caFile: string }): Promise<number> {
  return (await fetchEnvelopes(endpoint)).length;
}

async function runningContainers(root: string, environment: string): Promise<Record<string, string>> {
  const listed = await docker(['ps', '--no-trunc', '--filter', `label=${rehearsalLabel}=1`, '--filter', `label=${workspaceLabel}=${workspaceId(root)}`, '--filter', `label=shipyard.env=${environment}`, '--format', '{{.Label "shipyard.app"}} {{.ID}}']);
  return Object.fromEntries(listed.stdout.split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]));
}

/** Removes this checkout's rehearsal containers; returns how many there were. */
async function removeContainers(root: string, dryRun = false): Promise<number> {
  const listed = await docker(['ps', '--all', '--quiet', '--filter', `label=${rehearsalLabel}=1`, '--filter', `label=${workspaceLabel}=${workspaceId(root)}`]);
  const ids = listed.stdout.split('\n').filter(Boolean);
  if (ids.length > 0 && !dryRun) await docker(['rm', '--force', ...ids]);
  return ids.length;
}

/** Stops a background process the rehearsal recorded (SIGTERM, waits); false when it was not running. */
async function stopRecorded(name: string, record: { pid: number } | undefined, dryRun = false): Promise<boolean> {
  if (!record || !ownProcessAlive(record.pid)) return false;
  if (!dryRun) {
    process.kill(record.pid, 'SIGTERM');
    await waitFor(`${name} (pid ${record.pid}) to stop`, 15_000, () => (ownProcessAlive(record.pid) ? null : true));
  }
  return true;
}

/**
 * A rehearsal on the other target left its Services on the same loopback ports: the Docker
 * stand-ins (and their containers and played helm state) before a kube rehearsal, the
 * port-forwards before a Docker one. They go first, or the smoke test would reach them.
 */
async function retireOtherTarget(kind: 'docker' | 'kube', root: string, paths: StatePaths, state: RehearsalState, log: (line: string) => void): Promise<void> {
  if (kind === 'kube') {
    const containers = await removeContainers(root);
    const proxy = await stopRecorded('Service stand-ins', state.proxy);
    if (containers > 0 || proxy) log(`the previous rehearsal ran on Docker: removed ${containers} container(s)${proxy ? ' and stopped its Service stand-ins' : ''}`);
    rmSync(paths.routesFile, { force: true });
    for (const environment of allEnvironments) rmSync(paths.envDir(environment), { recursive: true, force: true });
    delete state.proxy;
  } else {
    if (await stopRecorded('port-forwards', state.forwards)) log('the previous rehearsal ran on Kubernetes: stopped its port-forwards');
    delete state.forwards;
  }
  writeState(paths, state);
}

/** --down: every rehearsal container, the Service stand-ins, the telemetry endpoint, and the registry when the rehearsal started it. */
export async function rehearsalDown(root: string, write: (text: string) => void, options: { dryRun?: boolean } = {}): Promise<string[]> {
  const paths = statePaths(root);
  const state = readState(paths);
  const done: string[] = [];
  const say = (line: string) => {
    done.push(line);
    write(`[rehearse] ${options.dryRun ? 'would: ' : ''}${line}\n`);
  };
  await requireDocker();
  const removed = await removeContainers(root, options.dryRun);
  if (removed > 0) say(`removed ${removed} container(s)`);
  for (const [name, record] of [['Service stand-ins', state.proxy], ['port-forwards', state.forwards], ['telemetry endpoint', state.telemetry]] as const) {
    if (await stopRecorded(name, record, options.dryRun)) say(`stopped the ${name} (pid ${record?.pid})`);
  }
  if (state.cluster?.startedByRehearsal) {
    if (!options.dryRun) await clusterDown({ cacheDir: shipyardCacheDir(), name: state.cluster.name, log: (line) => write(`[cluster] ${line}\n`) });
    say(`took the local cluster "${state.cluster.name}" down`);
  } else if (state.cluster) say(`left the local cluster "${state.cluster.name}" running (it was up before the rehearsal; \`npx shipyard cluster down\` stops it)`);
  if (state.registry?.startedByRehearsal) {
    if (!options.dryRun) {
      const result = await runShipyardInProcess(['registry', 'down', '--address', state.registry.address], () => undefined);
      if (result.code !== 0) throw new CliError(`shipyard registry down failed: ${lastLines(result.stderr)}`, ExitCode.failed);
    }
    say(`stopped the registry at ${state.registry.address} (data kept)`);
  }
  if (!options.dryRun) {
    rmSync(paths.routesFile, { force: true });
    for (const environment of state.environments ?? ['dev', 'staging', 'prod']) rmSync(paths.envDir(environment), { recursive: true, force: true });
    writeState(paths, { lastReleaseSha: state.lastReleaseSha });
  }
  if (done.length === 0) say('nothing was running');
  return done;
}

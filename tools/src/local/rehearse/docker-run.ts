import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../../cli/errors';
import { type Container, containerPortNumber, type PodSpec, type SecurityContext } from '../../charts/pod-templates';

/** What the container stand-in needs besides the rendered pod spec. */
export interface RunContext {
  /** Which checkout's rehearsal the container belongs to (several clones may rehearse on one engine). */
  workspace: string;
  environment: string;
  namespace: string;
  app: string;
  revision: number;
  /** Loopback port the container listens on (host network: it is the containerPort). */
  port: number;
  /** Loopback port its health endpoints listen on (HEALTH_PORT, the probes' port). */
  healthPort: number;
  /** Loopback base URL of every app's Service stand-in in this environment, by Service name. */
  serviceUrls: Record<string, string>;
  /** Values of secretKeyRef env vars, by "<secret>/<key>" (the telemetry connection string). */
  secrets: Record<string, string>;
  /** CA file the container must trust (the local telemetry endpoint's self-signed certificate), mounted read-only. */
  extraCaFile?: string;
}

export interface ContainerRun {
  name: string;
  image: string;
  /** Arguments after `docker`, up to the image; the environment goes in an env file (dockerRunArgs). */
  args: string[];
  /** The container's environment, Secret values included: never put on a command line. */
  env: Array<[string, string]>;
  /** Path of the readiness probe (httpGet), answered on readinessPort. */
  readinessPath: string;
  /** The loopback port the probe's container port became (ctx.healthPort for the charts' probes). */
  readinessPort: number;
  /** How long the startup + readiness probes together may take before the pod counts as failed. */
  readyTimeoutMs: number;
  stopTimeoutSeconds: number;
  /** Digest of the pod spec and everything derived from it except the port: equal → the running container already is this one. */
  specHash: string;
}

export const rehearsalLabel = 'shipyard.rehearsal';
export const workspaceLabel = 'shipyard.workspace';

/** Short id of a checkout, from its path: the label value that keeps clones' rehearsals apart. */
export function workspaceId(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 12);
}
const caMountPath = '/etc/shipyard/extra-ca.pem';

/** Kubernetes quantities → docker's: CPU "250m" → "0.25"; memory "192Mi"/"1G" → bytes. */
export function cpuLimit(value: unknown): string {
  const text = String(value);
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match) throw new CliError(`CPU quantity "${text}" is not understood (expected e.g. 250m or 1)`, ExitCode.failed);
  const cores = Number(match[1]) / (match[2] ? 1000 : 1);
  return String(Number(cores.toFixed(3)));
}

const memoryUnits: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

export function memoryBytes(value: unknown): number {
  const text = String(value);
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(text);
  if (!match) throw new CliError(`memory quantity "${text}" is not understood (expected e.g. 192Mi or 1G)`, ExitCode.failed);
  return Math.round(Number(match[1]) * memoryUnits[match[2] ?? '']);
}

/**
 * In-cluster Service URLs (http://catalog-api:80, http://catalog-api.shipyard.svc.cluster.local)
 * → the loopback URL of that app's Service stand-in. Anything else is left alone.
 */
export function rewriteServiceUrl(value: string, serviceUrls: Record<string, string>, namespace: string): string {
  return value.replace(/\bhttps?:\/\/([a-z0-9-]+)((?:\.[a-z0-9-]+)*)(?::(\d+))?(?=[/?#"\s]|$)/g, (whole, host: string, domain: string) => {
    const target = serviceUrls[host];
    const inCluster = domain === '' || domain === `.${namespace}` || domain === `.${namespace}.svc` || domain === `.${namespace}.svc.cluster.local`;
    return target && inCluster ? target : whole;
  });
}

/** $(VAR) references to earlier variables, as the kubelet expands them; $$ escapes. */
function expand(value: string, earlier: Map<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name?: string) => (name === undefined ? '$' : (earlier.get(name) ?? whole)));
}

function fieldValue(fieldPath: string, ctx: RunContext, name: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return name;
    case 'metadata.namespace':
      return ctx.namespace;
    case 'spec.nodeName':
      return 'rehearsal';
    case 'status.podIP':
    case 'status.hostIP':
      return '127.0.0.1';
    default:
      throw new CliError(`${ctx.app}: env fieldRef ${fieldPath} has no rehearsal stand-in`, ExitCode.failed);
  }
}

/** The pod's env as the container sees it on the host network: bind loopback, listen on its own port, call Services on loopback. */
export function containerEnv(container: Container, ctx: RunContext, name: string): Array<[string, string]> {
  const values = new Map<string, string>();
  const declaredPort = String(container.ports?.[0]?.containerPort ?? '');
  for (const entry of container.env ?? []) {
    let value: string | undefined;
    if (entry.value !== undefined) value = expand(entry.value, values);
    else if (entry.valueFrom?.secretKeyRef) {
      const ref = entry.valueFrom.secretKeyRef as { name: string; key: string; optional?: boolean };
      value = ctx.secrets[`${ref.name}/${ref.key}`];
      if (value === undefined && !ref.optional) throw new CliError(`${ctx.app}: env ${entry.name} reads secret ${ref.name}/${ref.key}, which the rehearsal does not provide`, ExitCode.failed);
    } else if (entry.valueFrom?.fieldRef) value = fieldValue((entry.valueFrom.fieldRef as { fieldPath: string }).fieldPath, ctx, name);
    else throw new CliError(`${ctx.app}: env ${entry.name} uses ${Object.keys(entry.valueFrom ?? {}).join(', ')}, which the rehearsal does not support`, ExitCode.failed);
    if (value === undefined) continue;
    if (entry.name === 'HOST') value = '127.0.0.1';
    else if (entry.name === 'PORT' && value === declaredPort) value = String(ctx.port);
    // On the host network every container needs its own health port, as it needs its own PORT.
    else if (entry.name === 'HEALTH_PORT') value = String(ctx.healthPort);
    else value = rewriteServiceUrl(value, ctx.serviceUrls, ctx.namespace);
    values.set(entry.name, value);
  }
  if (!values.has('PORT')) values.set('PORT', String(ctx.port));
  if (ctx.extraCaFile) values.set('NODE_EXTRA_CA_CERTS', caMountPath);
  return [...values.entries()];
}

/** The loopback port a probe's port (a container port's name or number) became: PORT's or HEALTH_PORT's. */
export function probePort(container: Container, port: number | string | undefined, ctx: Pick<RunContext, 'app' | 'port' | 'healthPort'>): number {
  const declared = containerPortNumber(container, port);
  const envValue = (name: string) => container.env?.find((entry) => entry.name === name)?.value;
  if (declared !== undefined && String(declared) === envValue('HEALTH_PORT')) return ctx.healthPort;
  if (declared !== undefined && String(declared) === String(container.ports?.[0]?.containerPort ?? envValue('PORT'))) return ctx.port;
  throw new CliError(`${ctx.app}: the readiness probe's port ${String(port)} is neither the container's PORT nor its HEALTH_PORT: the rehearsal cannot reach it`, ExitCode.failed);
}

function probeSeconds(probe: unknown): number {
  const p = (probe ?? {}) as { initialDelaySeconds?: number; periodSeconds?: number; failureThreshold?: number; timeoutSeconds?: number };
  return (p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3) + (p.timeoutSeconds ?? 1);
}

/** Unique per checkout too: `docker rm --force <name>` must never hit another clone's container. */
export function containerName(ctx: Pick<RunContext, 'workspace' | 'environment' | 'app' | 'revision'>): string {
  return `shipyard-rehearsal-${ctx.workspace}-${ctx.environment}-${ctx.app}-r${ctx.revision}`;
}

/**
 * `docker run` for the one container of a Deployment's pod spec, as AKS would run it: image by
 * digest, uid/gid, read-only root filesystem, emptyDir volumes as tmpfs, no capabilities, no
 * privilege escalation, CPU/memory limits, the grace period as stop timeout.
 */
export function dockerRunFor(spec: PodSpec, ctx: RunContext): ContainerRun {
  const containers = spec.containers ?? [];
  if (containers.length !== 1) throw new CliError(`${ctx.app}: the rehearsal runs pods of exactly one container; this one has ${containers.length}`, ExitCode.failed);
  const [container] = containers;
  if (!container.image) throw new CliError(`${ctx.app}: the container has no image`, ExitCode.failed);
  const name = containerName(ctx);
  const security: SecurityContext & { runAsGroup?: number } = { ...spec.securityContext, ...container.securityContext };
  const specHash = createHash('sha256')
    .update(JSON.stringify({ spec, serviceUrls: ctx.serviceUrls, secrets: ctx.secrets, ca: ctx.extraCaFile ?? null }))
    .digest('hex')
    .slice(0, 16);
  const args = ['run', '--detach', '--name', name, '--network', 'host'];
  const labels = { [rehearsalLabel]: '1', [workspaceLabel]: ctx.workspace, 'shipyard.env': ctx.environment, 'shipyard.app': ctx.app, 'shipyard.revision': String(ctx.revision), 'shipyard.spec': specHash, 'shipyard.port': String(ctx.port) };
  for (const [key, value] of Object.entries(labels)) args.push('--label', `${key}=${value}`);
  if (security.runAsUser !== undefined) args.push('--user', `${security.runAsUser}:${security.runAsGroup ?? security.runAsUser}`);
  if (security.readOnlyRootFilesystem) args.push('--read-only');
  for (const cap of security.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of security.capabilities?.add ?? []) args.push('--cap-add', cap);
  if (security.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find((v) => v.name === mount.name) as { emptyDir?: { sizeLimit?: string; medium?: string } } | undefined;
    if (!volume?.emptyDir) throw new CliError(`${ctx.app}: volume ${mount.name} is not an emptyDir; the rehearsal only stands in for emptyDir`, ExitCode.failed);
    const size = volume.emptyDir.sizeLimit ? `,size=${memoryBytes(volume.emptyDir.sizeLimit)}` : '';
    args.push('--tmpfs', `${mount.mountPath}:rw,nosuid,nodev,mode=1777${size}`);
  }
  const limits = container.resources?.limits ?? {};
  if (limits.memory !== undefined) args.push('--memory', String(memoryBytes(limits.memory)));
  if (limits.cpu !== undefined) args.push('--cpus', cpuLimit(limits.cpu));
  const stopTimeoutSeconds = spec.terminationGracePeriodSeconds ?? 30;
  args.push('--stop-timeout', String(stopTimeoutSeconds));
  if (ctx.extraCaFile) args.push('--volume', `${ctx.extraCaFile}:${caMountPath}:ro`);

  const readiness = (container.readinessProbe ?? {}) as { httpGet?: { path?: string; port?: number | string } };
  if (!readiness.httpGet?.path) throw new CliError(`${ctx.app}: the rehearsal waits on an httpGet readiness probe; the container has none`, ExitCode.failed);
  return {
    name,
    image: container.image,
    args,
    env: containerEnv(container, ctx, name),
    readinessPath: readiness.httpGet.path,
    readinessPort: probePort(container, readiness.httpGet.port, ctx),
    readyTimeoutMs: (probeSeconds(container.startupProbe) + probeSeconds(container.readinessProbe)) * 1000,
    stopTimeoutSeconds,
    specHash,
  };
}

/** `docker run` arguments with the environment read from `envFile` (see withEnvFile). */
export function dockerRunArgs(run: ContainerRun, envFile: string): string[] {
  return [...run.args, '--env-file', envFile, run.image];
}

/** Docker's env-file format: one KEY=VALUE per line, taken literally; a value cannot span lines. */
export function envFileText(env: ReadonlyArray<[string, string]>): string {
  return env
    .map(([key, value]) => {
      if (/[\r\n]/.test(value) || /[\r\n=]/.test(key)) throw new CliError(`env ${key.split(/[\r\n]/)[0]}: a name or value with a line break cannot be passed to a container`, ExitCode.failed);
      return `${key}=${value}\n`;
    })
    .join('');
}

/**
 * Runs `use` with the environment in a file only this user can read (mode 0600 in a fresh 0700
 * folder), removed afterwards: Secret values given as `docker run --env K=V` would be on the
 * command line, where every user's `ps` sees them.
 */
export async function withEnvFile<T>(env: ReadonlyArray<[string, string]>, use: (file: string) => Promise<T>): Promise<T> {
  const text = envFileText(env);
  const dir = mkdtempSync(path.join(tmpdir(), 'shipyard-env-'));
  try {
    const file = path.join(dir, 'container.env');
    writeFileSync(file, text, { mode: 0o600 });
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

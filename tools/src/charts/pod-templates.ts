import { describeObject, type K8sObject } from './manifests';

/** The parts of a pod spec the policy checks read (a loose view of the rendered data). */
export interface Container {
  name: string;
  image?: string;
  ports?: { containerPort?: number; hostPort?: number; name?: string }[];
  env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  envFrom?: Record<string, unknown>[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  startupProbe?: unknown;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  lifecycle?: { preStop?: { sleep?: { seconds?: number } } };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  sysctls?: { name: string; value: string }[];
  windowsOptions?: { hostProcess?: boolean };
}

export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext;
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  topologySpreadConstraints?: { topologyKey: string }[];
}

/** A port as a probe or a Service's targetPort names it (a container port's name, or a number) → its number; undefined for a name the container does not declare. */
export function containerPortNumber(container: Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((declared) => declared.name === port)?.containerPort;
}

export interface PodTemplate {
  /** Kind/name of the workload holding the template. */
  owner: string;
  workload: K8sObject;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
}

const templatePaths: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

function dig(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((current, key) => (current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined), value);
}

/** Every pod template among the objects (Pods themselves included), with its owner. */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const object of objects) {
    const template = object.kind === 'Pod' ? { metadata: object.metadata, spec: object.spec } : dig(object, templatePaths[object.kind] ?? []);
    if (!templatePaths[object.kind] && object.kind !== 'Pod') continue;
    const metadata = (dig(template, ['metadata']) ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    templates.push({
      owner: describeObject(object),
      workload: object,
      labels: metadata.labels ?? {},
      annotations: metadata.annotations ?? {},
      spec: (dig(template, ['spec']) ?? {}) as PodSpec,
    });
  }
  return templates;
}

/** All containers of a pod: init, regular and ephemeral. */
export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** True when every key/value of the selector is among the labels (an empty selector matches everything). */
export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

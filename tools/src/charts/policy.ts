import { describeObject, type Finding, type K8sObject } from './manifests';
import { allContainers, containerPortNumber, podTemplates, selectorMatches, type Container, type PodTemplate, type SecurityContext } from './pod-templates';

export interface PolicyContext {
  /** When the render used the image step's digest file: the references every service container must use. */
  expectedImageReferences?: string[];
  /** The values asked for imagePullSecrets on purpose (off by default: AKS pulls with the kubelet identity). */
  allowImagePullSecrets?: boolean;
}

export interface PolicyCheck {
  id: string;
  description: string;
  /** False when the check has nothing to judge in this context (e.g. no digest file given). */
  appliesTo?: (context: PolicyContext) => boolean;
  run: (objects: K8sObject[], context: PolicyContext) => Finding[];
}

export const standardLabels = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'helm.sh/chart',
] as const;

const armClusterId = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i;
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const restrictedVolumeTypes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image']);
const safeSysctls = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const allowedSeLinuxTypes = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

type Problem = string | undefined | false;

/** Runs `judge` on every container of every pod template; each returned string is a finding. */
function perContainer(check: string, objects: K8sObject[], judge: (container: Container, pod: PodTemplate) => Problem[], containers = allContainers): Finding[] {
  return podTemplates(objects).flatMap((pod) =>
    containers(pod.spec).flatMap((container) =>
      judge(container, pod)
        .filter((problem): problem is string => typeof problem === 'string')
        .map((message) => ({ check, object: pod.owner, message: `container "${container.name}": ${message}` })),
    ),
  );
}

function perPod(check: string, objects: K8sObject[], judge: (pod: PodTemplate) => Problem[]): Finding[] {
  return podTemplates(objects).flatMap((pod) =>
    judge(pod)
      .filter((problem): problem is string => typeof problem === 'string')
      .map((message) => ({ check, object: pod.owner, message })),
  );
}

function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

function field<T>(object: unknown, ...keys: string[]): T | undefined {
  return keys.reduce<unknown>((current, key) => (current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined), object) as T | undefined;
}

function envOf(container: Container, name: string) {
  return container.env?.find((entry) => entry.name === name);
}

/** Effective value of a security setting: the container's, else the pod's. */
function effective<K extends keyof SecurityContext>(container: Container, pod: PodTemplate, key: K): SecurityContext[K] {
  return container.securityContext?.[key] ?? pod.spec.securityContext?.[key];
}

/** Pod Security Standards "restricted" (which includes "baseline"), one check per control group. */
const podSecurityChecks: PolicyCheck[] = [
  {
    id: 'pss-host-namespaces',
    description: 'PSS: no hostNetwork, hostPID, hostIPC or Windows HostProcess',
    run: (objects) => [
      ...perPod('pss-host-namespaces', objects, (pod) => [
        pod.spec.hostNetwork === true && 'hostNetwork is true',
        pod.spec.hostPID === true && 'hostPID is true',
        pod.spec.hostIPC === true && 'hostIPC is true',
        pod.spec.securityContext?.windowsOptions?.hostProcess === true && 'securityContext.windowsOptions.hostProcess is true',
      ]),
      ...perContainer('pss-host-namespaces', objects, (c) => [c.securityContext?.windowsOptions?.hostProcess === true && 'windowsOptions.hostProcess is true']),
    ],
  },
  {
    id: 'pss-privileged',
    description: 'PSS: no privileged container',
    run: (objects) => perContainer('pss-privileged', objects, (c) => [c.securityContext?.privileged === true && 'securityContext.privileged is true']),
  },
  {
    id: 'pss-capabilities',
    description: 'PSS restricted: capabilities drop ALL, add at most NET_BIND_SERVICE',
    run: (objects) =>
      perContainer('pss-capabilities', objects, (c) => [
        !(c.securityContext?.capabilities?.drop ?? []).includes('ALL') && 'securityContext.capabilities.drop must include ALL',
        ...(c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE').map((cap) => `adds capability ${cap}`),
      ]),
  },
  {
    id: 'pss-host-path',
    description: 'PSS: no hostPath volumes',
    run: (objects) => perPod('pss-host-path', objects, (pod) => (pod.spec.volumes ?? []).map((v) => 'hostPath' in v && `volume "${v.name}" is a hostPath`)),
  },
  {
    id: 'pss-host-ports',
    description: 'PSS: no hostPort',
    run: (objects) => perContainer('pss-host-ports', objects, (c) => (c.ports ?? []).map((p) => !!p.hostPort && `hostPort ${p.hostPort}`)),
  },
  {
    id: 'pss-kernel-options',
    description: 'PSS: default /proc mount, safe sysctls only, AppArmor and SELinux not loosened',
    run: (objects) => [
      ...perPod('pss-kernel-options', objects, (pod) => [
        ...(pod.spec.securityContext?.sysctls ?? []).map((s) => !safeSysctls.has(s.name) && `sysctl ${s.name} is not in the safe set`),
        pod.spec.securityContext?.appArmorProfile?.type === 'Unconfined' && 'appArmorProfile is Unconfined',
        !allowedSeLinuxTypes.has(pod.spec.securityContext?.seLinuxOptions?.type ?? '') && `seLinuxOptions.type ${pod.spec.securityContext?.seLinuxOptions?.type}`,
        !!(pod.spec.securityContext?.seLinuxOptions?.user || pod.spec.securityContext?.seLinuxOptions?.role) && 'seLinuxOptions sets user or role',
      ]),
      ...perContainer('pss-kernel-options', objects, (c) => [
        (c.securityContext?.procMount ?? 'Default') !== 'Default' && `procMount is ${c.securityContext?.procMount}`,
        c.securityContext?.appArmorProfile?.type === 'Unconfined' && 'appArmorProfile is Unconfined',
        !allowedSeLinuxTypes.has(c.securityContext?.seLinuxOptions?.type ?? '') && `seLinuxOptions.type ${c.securityContext?.seLinuxOptions?.type}`,
        !!(c.securityContext?.seLinuxOptions?.user || c.securityContext?.seLinuxOptions?.role) && 'seLinuxOptions sets user or role',
      ]),
    ],
  },
  {
    id: 'pss-volume-types',
    description: 'PSS restricted: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret volumes',
    run: (objects) =>
      perPod('pss-volume-types', objects, (pod) =>
        (pod.spec.volumes ?? []).map((v) => {
          const types = Object.keys(v).filter((key) => key !== 'name');
          const bad = types.filter((type) => !restrictedVolumeTypes.has(type));
          return bad.length > 0 && `volume "${v.name}" has type ${bad.join(', ')}`;
        }),
      ),
  },
  {
    id: 'pss-privilege-escalation',
    description: 'PSS restricted: allowPrivilegeEscalation false on every container',
    run: (objects) => perContainer('pss-privilege-escalation', objects, (c) => [c.securityContext?.allowPrivilegeEscalation !== false && 'securityContext.allowPrivilegeEscalation must be false']),
  },
  {
    id: 'pss-run-as-non-root',
    description: 'PSS restricted: runAsNonRoot true (pod or container), runAsUser never 0',
    run: (objects) => [
      ...perPod('pss-run-as-non-root', objects, (pod) => [pod.spec.securityContext?.runAsUser === 0 && 'securityContext.runAsUser is 0']),
      ...perContainer('pss-run-as-non-root', objects, (c, pod) => [
        effective(c, pod, 'runAsNonRoot') !== true && 'runAsNonRoot must be true (pod or container securityContext)',
        c.securityContext?.runAsUser === 0 && 'securityContext.runAsUser is 0',
      ]),
    ],
  },
  {
    id: 'pss-seccomp',
    description: 'PSS restricted: seccompProfile RuntimeDefault or Localhost (pod or every container), never Unconfined',
    run: (objects) =>
      perContainer('pss-seccomp', objects, (c, pod) => {
        const type = effective(c, pod, 'seccompProfile')?.type;
        return [type !== 'RuntimeDefault' && type !== 'Localhost' && `seccompProfile.type is ${type ?? 'unset'} (RuntimeDefault or Localhost required)`];
      }),
  },
];

const hardeningChecks: PolicyCheck[] = [
  {
    id: 'read-only-root-filesystem',
    description: 'every container has a read-only root filesystem',
    run: (objects) => perContainer('read-only-root-filesystem', objects, (c) => [c.securityContext?.readOnlyRootFilesystem !== true && 'securityContext.readOnlyRootFilesystem must be true']),
  },
  {
    id: 'writable-tmp',
    description: '/tmp of every container is an emptyDir (the only writable path)',
    run: (objects) =>
      perContainer(
        'writable-tmp',
        objects,
        (c, pod) => {
          const mount = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
          const volume = mount && pod.spec.volumes?.find((v) => v.name === mount.name);
          return [!mount ? 'no volume mounted on /tmp' : !volume || !('emptyDir' in volume) ? `/tmp volume "${mount.name}" is not an emptyDir` : undefined];
        },
        (spec) => spec.containers ?? [],
      ),
  },
  {
    id: 'container-resources',
    description: 'every container requests and limits cpu and memory',
    run: (objects) =>
      perContainer('container-resources', objects, (c) =>
        (['requests', 'limits'] as const).flatMap((kind) => (['cpu', 'memory'] as const).map((resource) => c.resources?.[kind]?.[resource] === undefined && `resources.${kind}.${resource} is missing`)),
      ),
  },
  {
    id: 'container-probes',
    description: 'every service container has startup, readiness and liveness probes',
    run: (objects) =>
      perContainer(
        'container-probes',
        objects,
        (c) => (['startupProbe', 'readinessProbe', 'livenessProbe'] as const).map((probe) => !c[probe] && `${probe} is missing`),
        (spec) => spec.containers ?? [],
      ),
  },
  {
    id: 'health-off-ingress',
    description: 'no Ingress path leads to the port the probes use: /healthz/* (check names, timings) stays inside the cluster',
    run: (objects) => {
      const services = ofKind(objects, 'Service');
      type Backend = { service?: { name?: string; port?: { name?: string; number?: number } } };
      return ofKind(objects, 'Ingress').flatMap((ingress) => {
        const backends = [
          field<Backend>(ingress, 'spec', 'defaultBackend'),
          ...(field<{ http?: { paths?: { backend?: Backend }[] } }[]>(ingress, 'spec', 'rules') ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((p) => p.backend)),
        ].filter((backend): backend is Backend => !!backend?.service);
        return backends.flatMap(({ service: wanted }) => {
          const service = services.find((s) => s.metadata.name === wanted?.name);
          const port = (field<{ name?: string; port?: number; targetPort?: number | string }[]>(service, 'spec', 'ports') ?? []).find(
            (p) => (wanted?.port?.name !== undefined && p.name === wanted.port.name) || (wanted?.port?.number !== undefined && p.port === wanted.port.number),
          );
          if (!service || !port) return [];
          const target = port.targetPort ?? port.port;
          return podTemplates(objects)
            .filter((pod) => selectorMatches(field<Record<string, string>>(service, 'spec', 'selector'), pod.labels))
            .flatMap((pod) =>
              (pod.spec.containers ?? []).flatMap((c) => {
                // Both ends as numbers where the container declares the name: `http` and 8080 are the same port.
                const resolved = (port: number | string | undefined) => containerPortNumber(c, port) ?? port;
                return (['startupProbe', 'readinessProbe', 'livenessProbe'] as const)
                  .filter((probe) => {
                    const probePort = field<number | string>(c[probe], 'httpGet', 'port');
                    return probePort !== undefined && resolved(probePort) === resolved(target);
                  })
                  .map((probe) => ({
                    check: 'health-off-ingress',
                    object: describeObject(ingress),
                    message: `routes to Service ${service.metadata.name} port ${String(port.name ?? port.port)}, which is the ${probe}'s port on container "${c.name}": the health endpoints are reachable from outside (set healthPort)`,
                  }));
              }),
            );
        });
      });
    },
  },
  {
    id: 'graceful-shutdown',
    description: 'terminationGracePeriodSeconds exceeds the preStop sleep plus SHUTDOWN_DEADLINE_MS',
    run: (objects) =>
      perContainer(
        'graceful-shutdown',
        objects,
        (c, pod) => {
          const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
          const deadlineMs = Number(envOf(c, 'SHUTDOWN_DEADLINE_MS')?.value ?? 10_000);
          const needed = Math.ceil(deadlineMs / 1000) + (c.lifecycle?.preStop?.sleep?.seconds ?? 0);
          return [grace <= needed && `terminationGracePeriodSeconds ${grace} must exceed preStop sleep + SHUTDOWN_DEADLINE_MS (${needed}s)`];
        },
        (spec) => spec.containers ?? [],
      ),
  },
  {
    id: 'rolling-update',
    description: 'Deployments roll out with maxUnavailable 0',
    run: (objects) =>
      ofKind(objects, 'Deployment').flatMap((deployment) => {
        const strategy = field<{ type?: string; rollingUpdate?: { maxUnavailable?: number | string } }>(deployment, 'spec', 'strategy');
        const problems = [
          strategy?.type === 'Recreate' && 'strategy is Recreate',
          ![0, '0%'].includes(strategy?.rollingUpdate?.maxUnavailable as number) && `rollingUpdate.maxUnavailable is ${strategy?.rollingUpdate?.maxUnavailable ?? 'unset (25%)'}, must be 0`,
        ];
        return problems.filter((p): p is string => !!p).map((message) => ({ check: 'rolling-update', object: describeObject(deployment), message }));
      }),
  },
  {
    id: 'topology-spread',
    description: 'pods spread across zones and nodes',
    run: (objects) =>
      perPod('topology-spread', objects, (pod) =>
        ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map(
          (key) => !(pod.spec.topologySpreadConstraints ?? []).some((constraint) => constraint.topologyKey === key) && `no topologySpreadConstraint on ${key}`,
        ),
      ),
  },
];

const imageChecks: PolicyCheck[] = [
  {
    id: 'image-no-latest',
    description: 'every image names an immutable tag or a digest, never latest',
    run: (objects) =>
      perContainer('image-no-latest', objects, (c) => {
        const image = c.image ?? '';
        if (image.includes('@sha256:')) return [];
        const lastSegment = image.slice(image.lastIndexOf('/') + 1);
        const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
        return [!tag ? `image "${image}" has no tag (means latest)` : tag === 'latest' && `image "${image}" uses the latest tag`];
      }),
  },
  {
    id: 'image-digest',
    description: 'with a digest file, every service container runs exactly repository@sha256:… from it',
    appliesTo: (context) => !!context.expectedImageReferences?.length,
    run: (objects, context) =>
      perContainer(
        'image-digest',
        objects,
        (c) => [
          !/^[^@]+@sha256:[a-f0-9]{64}$/.test(c.image ?? '') && `image "${c.image}" is not referenced by digest`,
          !(context.expectedImageReferences ?? []).includes(c.image ?? '') && `image "${c.image}" is not in the digest file (${(context.expectedImageReferences ?? []).join(', ')})`,
        ],
        (spec) => spec.containers ?? [],
      ),
  },
  {
    id: 'no-image-pull-secrets',
    description: 'no imagePullSecrets (AKS pulls from ACR with the kubelet identity) unless the values ask for them',
    appliesTo: (context) => !context.allowImagePullSecrets,
    run: (objects) => perPod('no-image-pull-secrets', objects, (pod) => [(pod.spec.imagePullSecrets ?? []).length > 0 && `imagePullSecrets ${pod.spec.imagePullSecrets?.map((s) => s.name).join(', ')}`]),
  },
];

const metadataChecks: PolicyCheck[] = [
  {
    id: 'standard-labels',
    description: 'every object and pod template carries the app.kubernetes.io/* and helm.sh/chart labels',
    run: (objects) => [
      ...objects.flatMap((object) =>
        standardLabels
          .filter((label) => !object.metadata.labels?.[label])
          .map((label) => ({ check: 'standard-labels', object: describeObject(object), message: `label ${label} is missing` })),
      ),
      ...perPod('standard-labels', objects, (pod) => standardLabels.map((label) => !pod.labels[label] && `pod template label ${label} is missing`)),
    ],
  },
  {
    id: 'service-companions',
    description: 'each Deployment has its ServiceAccount, Service, HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy, all pointing at it',
    run: (objects) =>
      podTemplates(ofKind(objects, 'Deployment')).flatMap((pod) => {
        const name = pod.workload.metadata.name;
        const selects = (kind: string, selectorPath: string[]) =>
          ofKind(objects, kind).some((object) => {
            const selector = field<Record<string, string>>(object, ...selectorPath);
            return selector !== undefined && Object.keys(selector).length > 0 && selectorMatches(selector, pod.labels);
          });
        const problems = [
          !ofKind(objects, 'ServiceAccount').some((sa) => sa.metadata.name === pod.spec.serviceAccountName) &&
            `no ServiceAccount "${pod.spec.serviceAccountName ?? '(default)'}" for its pods`,
          !selects('Service', ['spec', 'selector']) && 'no Service selects its pods',
          !ofKind(objects, 'HorizontalPodAutoscaler').some(
            (hpa) => hpa.apiVersion === 'autoscaling/v2' && field(hpa, 'spec', 'scaleTargetRef', 'kind') === 'Deployment' && field(hpa, 'spec', 'scaleTargetRef', 'name') === name,
          ) && 'no autoscaling/v2 HorizontalPodAutoscaler targets it',
          !selects('PodDisruptionBudget', ['spec', 'selector', 'matchLabels']) && 'no PodDisruptionBudget selects its pods',
          !selects('NetworkPolicy', ['spec', 'podSelector', 'matchLabels']) && 'no NetworkPolicy selects its pods',
        ];
        return problems.filter((p): p is string => !!p).map((message) => ({ check: 'service-companions', object: pod.owner, message }));
      }),
  },
  {
    id: 'network-policy-least-access',
    description: 'NetworkPolicies govern ingress and egress; every rule names its peers and ports; wide ipBlocks only for HTTPS',
    run: (objects) =>
      ofKind(objects, 'NetworkPolicy').flatMap((policy) => {
        const types = field<string[]>(policy, 'spec', 'policyTypes') ?? [];
        const ingress = field<{ from?: unknown[]; ports?: unknown[] }[]>(policy, 'spec', 'ingress') ?? [];
        const egress = field<{ to?: { ipBlock?: { cidr?: string } }[]; ports?: { port?: number | string }[] }[]>(policy, 'spec', 'egress') ?? [];
        const problems: Problem[] = [
          !types.includes('Ingress') && 'policyTypes lacks Ingress (ingress is not default-deny)',
          !types.includes('Egress') && 'policyTypes lacks Egress (egress is not default-deny)',
          ...ingress.map((rule, i) => (!rule.from?.length || !rule.ports?.length) && `ingress[${i}] allows any ${!rule.from?.length ? 'source' : 'port'}`),
          ...egress.map((rule, i) => (!rule.to?.length || !rule.ports?.length) && `egress[${i}] allows any ${!rule.to?.length ? 'destination' : 'port'}`),
          ...egress.map(
            (rule, i) =>
              (rule.to ?? []).some((peer) => peer.ipBlock?.cidr === '0.0.0.0/0' || peer.ipBlock?.cidr === '::/0') &&
              (rule.ports ?? []).some((port) => port.port !== 443) &&
              `egress[${i}] opens ports other than 443 to the internet`,
          ),
        ];
        return problems.filter((p): p is string => !!p).map((message) => ({ check: 'network-policy-least-access', object: describeObject(policy), message }));
      }),
  },
];

const azureChecks: PolicyCheck[] = [
  {
    id: 'cluster-resource-id',
    description: 'every service container gets CLUSTER_RESOURCE_ID, an AKS cluster ARM id',
    run: (objects) =>
      perContainer(
        'cluster-resource-id',
        objects,
        (c) => {
          const value = envOf(c, 'CLUSTER_RESOURCE_ID')?.value;
          return [!value ? 'CLUSTER_RESOURCE_ID is not set' : !armClusterId.test(value) && `CLUSTER_RESOURCE_ID "${value}" is not an AKS cluster ARM id`];
        },
        (spec) => spec.containers ?? [],
      ),
  },
  {
    id: 'connection-string-secret-ref',
    description: 'the Application Insights connection string only comes from a secretKeyRef, never a literal',
    run: (objects) => [
      ...perContainer('connection-string-secret-ref', objects, (c) => {
        const entry = envOf(c, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
        return [
          entry !== undefined && (entry.value !== undefined || !field(entry, 'valueFrom', 'secretKeyRef')) && 'APPLICATIONINSIGHTS_CONNECTION_STRING must come from valueFrom.secretKeyRef',
          ...(c.env ?? []).map((e) => /InstrumentationKey=/i.test(e.value ?? '') && `env ${e.name} holds a literal connection string`),
        ];
      }),
      ...ofKind(objects, 'ConfigMap').flatMap((map) =>
        Object.entries(field<Record<string, string>>(map, 'data') ?? {})
          .filter(([, value]) => /InstrumentationKey=/i.test(value))
          .map(([key]) => ({ check: 'connection-string-secret-ref', object: describeObject(map), message: `data.${key} holds a connection string (use a Secret)` })),
      ),
    ],
  },
  {
    id: 'workload-identity',
    description: 'Workload ID: annotated ServiceAccounts carry the use label and a client id, and so do their pods',
    run: (objects) => {
      const accounts = ofKind(objects, 'ServiceAccount');
      const findings: Finding[] = accounts.flatMap((sa) => {
        const clientId = sa.metadata.annotations?.['azure.workload.identity/client-id'];
        const uses = sa.metadata.labels?.['azure.workload.identity/use'] === 'true';
        const problems = [
          clientId !== undefined && !guid.test(clientId) && `client-id annotation "${clientId}" is not a GUID`,
          clientId !== undefined && !uses && 'has the client-id annotation but not the label azure.workload.identity/use: "true"',
          clientId === undefined && uses && 'has the azure.workload.identity/use label but no client-id annotation',
        ];
        return problems.filter((p): p is string => !!p).map((message) => ({ check: 'workload-identity', object: describeObject(sa), message }));
      });
      return [
        ...findings,
        ...perPod('workload-identity', objects, (pod) => {
          const sa = accounts.find((account) => account.metadata.name === pod.spec.serviceAccountName);
          const saUses = sa?.metadata.annotations?.['azure.workload.identity/client-id'] !== undefined;
          const podUses = pod.labels['azure.workload.identity/use'] === 'true';
          return [
            saUses && !podUses && `its ServiceAccount uses Workload ID but the pods lack the label azure.workload.identity/use: "true"`,
            podUses && !saUses && 'pods ask for Workload ID but their ServiceAccount has no client-id annotation',
          ];
        }),
      ];
    },
  },
];

/** Every policy check, in report order. */
export const policyChecks: PolicyCheck[] = [...podSecurityChecks, ...hardeningChecks, ...imageChecks, ...metadataChecks, ...azureChecks];

export interface PolicyResult {
  check: PolicyCheck;
  applied: boolean;
  findings: Finding[];
}

export function runPolicy(objects: K8sObject[], context: PolicyContext = {}, checks = policyChecks): PolicyResult[] {
  return checks.map((check) => {
    const applied = check.appliesTo ? check.appliesTo(context) : true;
    return { check, applied, findings: applied ? check.run(objects, context) : [] };
  });
}

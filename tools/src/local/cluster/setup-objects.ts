import { stringify } from 'yaml';
import { defaultNamespace } from '../../charts/render';

/** The user name in the deployer's client certificate (the pipeline's deploy identity on AKS). */
export const deployerUser = 'shipyard-deployer';
export const corednsUser = 'shipyard:coredns';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const all = ['*'];
const read = ['get', 'list', 'watch'];

/**
 * The rules of Azure's built-in role "Azure Kubernetes Service RBAC Writer"
 * (a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb), which the README has users grant the deploy identity
 * on `<aks id>/namespaces/shipyard`, translated from its dataActions
 * (Microsoft.ContainerService/managedClusters/<group>/<resource>/<verb>):
 * https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/containers#azure-kubernetes-service-rbac-writer
 * A dataAction `<resource>/*` covers the resource and its subresources; Kubernetes RBAC has no
 * `<resource>/*` wildcard, so they are listed (pods/portforward for kubectl port-forward, …).
 * It grants nothing on roles, role bindings or namespaces beyond reading them.
 */
export const aksRbacWriterRules: PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: read },
  { apiGroups: ['apps', 'extensions'], resources: ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status'], verbs: all },
  { apiGroups: ['apps'], resources: ['statefulsets', 'statefulsets/scale', 'statefulsets/status'], verbs: all },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], verbs: all },
  { apiGroups: ['batch'], resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], verbs: all },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...read, 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: read },
  { apiGroups: [''], resources: ['configmaps', 'endpoints', 'events', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'pods/attach', 'pods/ephemeralcontainers', 'pods/eviction', 'pods/exec', 'pods/log', 'pods/portforward', 'pods/proxy', 'pods/status', 'replicationcontrollers', 'replicationcontrollers/scale', 'replicationcontrollers/status', 'secrets', 'serviceaccounts', 'serviceaccounts/token', 'services', 'services/proxy', 'services/status'], verbs: all },
  { apiGroups: [''], resources: ['limitranges', 'resourcequotas', 'namespaces'], verbs: read },
  { apiGroups: ['extensions', 'networking.k8s.io'], resources: ['ingresses', 'ingresses/status', 'networkpolicies'], verbs: all },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'], verbs: all },
  { apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: read },
];

/**
 * What cluster set-up creates with the admin identity before anyone deploys: the namespace with
 * Pod Security "restricted" enforced (never created by helm: the deploy identity cannot create
 * namespaces), the deployer's Role and RoleBinding in it, and CoreDNS's read access.
 */
export function setupObjects(namespace: string = defaultNamespace): Array<Record<string, unknown>> {
  const pss = Object.fromEntries(['enforce', 'audit', 'warn'].flatMap((mode) => [[`pod-security.kubernetes.io/${mode}`, 'restricted'], [`pod-security.kubernetes.io/${mode}-version`, 'latest']]));
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: pss } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'aks-rbac-writer', namespace }, rules: aksRbacWriterRules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer-aks-rbac-writer', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'aks-rbac-writer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: deployerUser }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'shipyard:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'shipyard:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'shipyard:coredns' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: corednsUser }],
    },
  ];
}

export function renderSetupObjects(namespace?: string): string {
  return setupObjects(namespace)
    .map((object) => stringify(object))
    .join('---\n');
}

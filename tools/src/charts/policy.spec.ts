import { findChart } from './layout';
import type { K8sObject } from './manifests';
import { policyChecks, runPolicy, type PolicyContext } from './policy';
import { renderChart } from './render';
import { stageChart } from './stage';

jest.setTimeout(60_000);

/** The real storefront prod render (it has every kind, Ingress included): the "good" baseline. */
let good: K8sObject[];
beforeAll(async () => {
  const chart = findChart('storefront');
  const staged = await stageChart(chart);
  try {
    good = (await renderChart(chart, staged, { environment: 'prod' })).objects.map((o) => o.object);
  } finally {
    staged.dispose();
  }
});

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const find = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind) as Any;
const pod = (objects: K8sObject[]) => find(objects, 'Deployment').spec.template as Any;
const container = (objects: K8sObject[]) => pod(objects).spec.containers[0] as Any;
const env = (objects: K8sObject[], name: string) => (container(objects).env as Any[]).find((e) => e.name === name) as Any;
const without = (objects: K8sObject[], kind: string) => objects.splice(objects.findIndex((o) => o.kind === kind), 1);

const digestContext: PolicyContext = { expectedImageReferences: [`127.0.0.1:5000/storefront@sha256:${'a'.repeat(64)}`] };

/** One crafted violation per check: mutate a copy of the good render so exactly that rule breaks. */
const violations: Record<string, { breakIt: (objects: K8sObject[]) => void; expect: RegExp; context?: PolicyContext }> = {
  'pss-host-namespaces': { breakIt: (o) => (pod(o).spec.hostNetwork = true), expect: /hostNetwork is true/ },
  'pss-privileged': { breakIt: (o) => (container(o).securityContext.privileged = true), expect: /privileged is true/ },
  'pss-capabilities': { breakIt: (o) => (container(o).securityContext.capabilities = { add: ['SYS_ADMIN'] }), expect: /drop must include ALL|adds capability SYS_ADMIN/ },
  'pss-host-path': { breakIt: (o) => pod(o).spec.volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }), expect: /volume "docker" is a hostPath/ },
  'pss-host-ports': { breakIt: (o) => (container(o).ports[0].hostPort = 8080), expect: /hostPort 8080/ },
  'pss-kernel-options': { breakIt: (o) => (pod(o).spec.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]), expect: /sysctl kernel.msgmax is not in the safe set/ },
  'pss-volume-types': { breakIt: (o) => pod(o).spec.volumes.push({ name: 'nfs', nfs: { server: 'nfs.local', path: '/' } }), expect: /volume "nfs" has type nfs/ },
  'pss-privilege-escalation': { breakIt: (o) => delete container(o).securityContext.allowPrivilegeEscalation, expect: /allowPrivilegeEscalation must be false/ },
  'pss-run-as-non-root': {
    breakIt: (o) => {
      delete pod(o).spec.securityContext.runAsNonRoot;
      delete container(o).securityContext.runAsNonRoot;
    },
    expect: /runAsNonRoot must be true/,
  },
  'pss-seccomp': { breakIt: (o) => (container(o).securityContext.seccompProfile = { type: 'Unconfined' }), expect: /seccompProfile.type is Unconfined/ },
  'read-only-root-filesystem': { breakIt: (o) => (container(o).securityContext.readOnlyRootFilesystem = false), expect: /readOnlyRootFilesystem must be true/ },
  'writable-tmp': { breakIt: (o) => (container(o).volumeMounts = []), expect: /no volume mounted on \/tmp/ },
  'container-resources': { breakIt: (o) => delete container(o).resources.limits.memory, expect: /resources.limits.memory is missing/ },
  'health-off-ingress': { breakIt: (o) => (container(o).readinessProbe.httpGet.port = 8080), expect: /routes to Service storefront port http, which is the readinessProbe's port on container "storefront"/ },
  'container-probes': { breakIt: (o) => delete container(o).startupProbe, expect: /startupProbe is missing/ },
  'graceful-shutdown': { breakIt: (o) => (pod(o).spec.terminationGracePeriodSeconds = 10), expect: /terminationGracePeriodSeconds 10 must exceed preStop sleep \+ SHUTDOWN_DEADLINE_MS \(15s\)/ },
  'rolling-update': { breakIt: (o) => (find(o, 'Deployment').spec.strategy.rollingUpdate.maxUnavailable = 1), expect: /maxUnavailable is 1, must be 0/ },
  'topology-spread': { breakIt: (o) => delete pod(o).spec.topologySpreadConstraints, expect: /no topologySpreadConstraint on topology.kubernetes.io\/zone/ },
  'image-no-latest': { breakIt: (o) => (container(o).image = 'storefront:latest'), expect: /uses the latest tag/ },
  'image-digest': { breakIt: (o) => (container(o).image = 'storefront:0.1.0'), expect: /is not referenced by digest/, context: digestContext },
  'no-image-pull-secrets': { breakIt: (o) => (pod(o).spec.imagePullSecrets = [{ name: 'acr-pull' }]), expect: /imagePullSecrets acr-pull/ },
  'standard-labels': { breakIt: (o) => delete find(o, 'Service').metadata.labels['app.kubernetes.io/part-of'], expect: /label app.kubernetes.io\/part-of is missing/ },
  'service-companions': { breakIt: (o) => without(o, 'PodDisruptionBudget'), expect: /no PodDisruptionBudget selects its pods/ },
  'network-policy-least-access': { breakIt: (o) => find(o, 'NetworkPolicy').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 22 }] }), expect: /opens ports other than 443/ },
  'cluster-resource-id': { breakIt: (o) => (env(o, 'CLUSTER_RESOURCE_ID').value = 'aks-shipyard-prod'), expect: /is not an AKS cluster ARM id/ },
  'connection-string-secret-ref': {
    breakIt: (o) => {
      const entry = env(o, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
      delete entry.valueFrom;
      entry.value = 'InstrumentationKey=00000000-0000-0000-0000-000000000000';
    },
    expect: /must come from valueFrom.secretKeyRef/,
  },
  'workload-identity': { breakIt: (o) => (find(o, 'ServiceAccount').metadata.annotations = { 'azure.workload.identity/client-id': '11111111-2222-3333-4444-555555555555' }), expect: /lack the label azure.workload.identity\/use|not the label/ },
};

describe('policy checks', () => {
  it('has a crafted violation for every check', () => {
    expect(Object.keys(violations).sort()).toEqual(policyChecks.map((c) => c.id).sort());
  });

  it('passes on the real rendered chart', () => {
    const failing = runPolicy(good, digestContext).filter((r) => r.findings.length > 0 && r.check.id !== 'image-digest');
    expect(failing.flatMap((r) => r.findings)).toEqual([]);
  });

  it.each(Object.entries(violations))('%s fails on a manifest that breaks it, and only that check', (id, violation) => {
    const broken = structuredClone(good);
    violation.breakIt(broken);
    const results = runPolicy(broken, violation.context ?? {});
    const result = results.find((r) => r.check.id === id);
    expect(result?.applied).toBe(true);
    expect(result?.findings.map((f) => f.message).join('\n')).toMatch(violation.expect);
    expect(result?.findings.every((f) => f.check === id)).toBe(true);
  });

  it('workload identity passes when the ServiceAccount and the pods are both set up', () => {
    const objects = structuredClone(good);
    const sa = find(objects, 'ServiceAccount');
    sa.metadata.annotations = { 'azure.workload.identity/client-id': '11111111-2222-3333-4444-555555555555' };
    sa.metadata.labels['azure.workload.identity/use'] = 'true';
    pod(objects).metadata.labels['azure.workload.identity/use'] = 'true';
    expect(runPolicy(objects).find((r) => r.check.id === 'workload-identity')?.findings).toEqual([]);
  });

  it('skips the digest check without a digest file, and the pull-secret check when the values ask for secrets', () => {
    const results = runPolicy(good, { allowImagePullSecrets: true });
    expect(results.filter((r) => !r.applied).map((r) => r.check.id)).toEqual(['image-digest', 'no-image-pull-secrets']);
  });

  it('judges every kind of pod template, not only Deployments', () => {
    const job: K8sObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: { jobTemplate: { spec: { template: { spec: { hostPID: true, containers: [{ name: 'job', image: 'job' }] } } } } },
    };
    const findings = runPolicy([job]).flatMap((r) => r.findings.map((f) => `${f.check}: ${f.message}`));
    expect(findings).toEqual(expect.arrayContaining(['pss-host-namespaces: hostPID is true', 'image-no-latest: container "job": image "job" has no tag (means latest)']));
  });
});

import { commandsFor, type HelmTarget } from './helm-commands';
import type { AppPlan, DesiredApp } from './plan';

const desired: DesiredApp = {
  app: 'catalog-api',
  releaseSha: 'a'.repeat(40),
  chart: { name: 'catalog-api', version: '0.1.0', repository: 'helm/catalog-api', digest: `sha256:${'b'.repeat(64)}` },
  chartRef: `oci://acrshipyard.azurecr.io/helm/catalog-api@sha256:${'b'.repeat(64)}`,
  // ACR: nothing to add. The deploy step runs `az acr login`, which stores the registry login where
  // helm's OCI client reads it; helm then pulls oci://<acr>.azurecr.io/helm/<chart> with it.
  // https://learn.microsoft.com/azure/container-registry/container-registry-helm-repos (Authenticate with the registry)
  pullArgs: [],
  image: { repository: 'acrshipyard.azurecr.io/catalog-api', tag: 'a'.repeat(40), digest: `sha256:${'c'.repeat(64)}` } as DesiredApp['image'],
  valueArgs: ['-f', 'charts/environments/dev.yaml'],
  fingerprint: `sha256:${'d'.repeat(64)}`,
};
const target: HelmTarget = { namespace: 'shipyard', timeout: '10m' };

const plans: AppPlan[] = [
  { app: 'catalog-api', action: 'upgrade', reasons: [] },
  { app: 'catalog-api', action: 'upgrade', reasons: [], recover: { kind: 'uninstall', reason: 'failed first install' } },
  { app: 'catalog-api', action: 'upgrade', reasons: [], recover: { kind: 'rollback', revision: 2, reason: 'pending-upgrade' } },
  { app: 'catalog-api', action: 'skip', reasons: [], recover: { kind: 'rollback', revision: 2, reason: 'pending-upgrade' } },
  { app: 'catalog-api', action: 'skip', reasons: [] },
];

// The deploy identity holds "Azure Kubernetes Service RBAC Writer" on <cluster>/namespaces/<ns>
// only (README, tools/azure/setup.sh). Anything helm sends outside the namespace is refused:
// `--create-namespace` makes helm POST the Namespace first, which Kubernetes authorises before it
// looks whether the namespace exists, so even an existing namespace answers 403.
// https://github.com/helm/helm/issues/32511 ; roles: https://learn.microsoft.com/en-us/azure/aks/manage-azure-rbac
const clusterScoped = ['--create-namespace', '--all-namespaces', '-A', '--kube-as-group', '--kube-as-user'];

describe('helm commands of a deploy', () => {
  it.each(plans.map((plan) => [plan.action + (plan.recover ? `+${plan.recover.kind}` : ''), plan] as const))(
    '%s: never asks for a cluster-scoped operation, and every cluster call names the namespace',
    (_name, plan) => {
      for (const args of commandsFor(plan, desired, target)) {
        expect(args.filter((arg) => clusterScoped.includes(arg))).toEqual([]);
        expect(args[args.indexOf('--namespace') + 1]).toBe('shipyard');
      }
    },
  );
});

describe('the upgrade', () => {
  it('installs the release\'s chart from the registry by digest: no chart folder, no dependency build', () => {
    const [upgrade] = commandsFor(plans[0], desired, target);
    expect(upgrade.slice(0, 4)).toEqual(['upgrade', '--install', 'catalog-api', `oci://acrshipyard.azurecr.io/helm/catalog-api@sha256:${'b'.repeat(64)}`]);
    expect(commandsFor(plans[0], desired, target)).toHaveLength(1);
    expect(upgrade).not.toContain('--ca-file');
    expect(upgrade.slice(-2)).toEqual(['-f', 'charts/environments/dev.yaml']);
  });

  it('trusts the registry\'s own CA for the pull when it has one (the local registry)', () => {
    const local = { ...desired, chartRef: `oci://127.0.0.1:5000/helm/catalog-api@sha256:${'b'.repeat(64)}`, pullArgs: ['--ca-file', '/cache/registry/cert.pem'] };
    const [upgrade] = commandsFor(plans[0], local, target);
    expect(upgrade.slice(3, 6)).toEqual([local.chartRef, '--ca-file', '/cache/registry/cert.pem']);
  });
});

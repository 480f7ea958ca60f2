import { commandsFor, type HelmTarget } from './helm-commands';
import type { AppPlan, DesiredApp } from './plan';

const desired: DesiredApp = {
  app: 'catalog-api',
  releaseSha: 'a'.repeat(40),
  chart: { name: 'catalog-api', version: '0.1.0', digest: `sha256:${'b'.repeat(64)}` },
  chartDir: 'charts/catalog-api',
  dependencyDirs: ['charts/service'],
  checkoutChartDigest: `sha256:${'b'.repeat(64)}`,
  image: { repository: 'acrshipyard.azurecr.io/catalog-api', tag: 'a'.repeat(40), digest: `sha256:${'c'.repeat(64)}` } as DesiredApp['image'],
  valueArgs: ['-f', 'charts/environments/dev.yaml'],
  fingerprint: `sha256:${'d'.repeat(64)}`,
};
const target: HelmTarget = { namespace: 'shipyard', timeout: '10m' };

const plans: AppPlan[] = [
  { app: 'catalog-api', action: 'upgrade', reasons: [] },
  { app: 'catalog-api', action: 'upgrade', reasons: [], recover: { kind: 'uninstall', reason: 'failed first install' } },
  { app: 'catalog-api', action: 'rollback', revision: 3, reasons: [], recover: { kind: 'rollback', revision: 2, reason: 'pending-upgrade' } },
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
        if (args[0] === 'dependency') continue; // local: rebuilds charts/<app>/charts, talks to no cluster
        expect(args[args.indexOf('--namespace') + 1]).toBe('shipyard');
      }
    },
  );
});

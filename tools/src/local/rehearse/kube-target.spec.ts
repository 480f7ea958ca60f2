import { CliError, ExitCode } from '../../cli/errors';
import type { HelmRunner } from '../../deploy/helm-runner';
import { chooseTarget, clusterHelm, connectionStringSecret, podConnectionString, podsByApp, rehearsalObjects, type TargetFacts } from './kube-target';

const facts = (overrides: Partial<TargetFacts> & { up?: boolean; problems?: string[]; binariesCached?: boolean } = {}): TargetFacts => ({
  requested: overrides.requested ?? 'auto',
  kubeconfig: overrides.kubeconfig,
  localCluster: { up: overrides.up ?? false, problems: overrides.problems ?? [], binariesCached: overrides.binariesCached ?? false },
});

function thrown(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('did not throw');
}

describe('chooseTarget', () => {
  it('auto: a real cluster when one is at hand, the Docker stand-in otherwise (never a surprise build)', () => {
    expect(chooseTarget(facts({ up: true }))).toMatchObject({ kind: 'kube', cluster: 'local', why: 'the local cluster is up' });
    expect(chooseTarget(facts({ binariesCached: true }))).toMatchObject({ kind: 'kube', cluster: 'local' });
    expect(chooseTarget(facts({ kubeconfig: '/k/config' }))).toMatchObject({ kind: 'kube', cluster: 'given', why: 'the cluster of /k/config' });
    expect(chooseTarget(facts())).toEqual({ kind: 'docker', why: expect.stringContaining('not built yet (`npx shipyard cluster up` builds it once') });
    expect(chooseTarget(facts({ problems: ['not root'], binariesCached: true }))).toEqual({ kind: 'docker', why: 'no local cluster can run here (not root)' });
  });

  it('kube insists: builds the local cluster when it must, and names what stops it', () => {
    expect(chooseTarget(facts({ requested: 'kube' }))).toMatchObject({ kind: 'kube', cluster: 'local', why: expect.stringContaining('built first') });
    const error = thrown(() => chooseTarget(facts({ requested: 'kube', problems: ['Go is not on PATH', 'not root'] })));
    expect(error.exitCode).toBe(ExitCode.environment);
    expect(error.message).toContain('  - Go is not on PATH\n  - not root\nor pass --kubeconfig <file>');
  });

  it('docker means docker; with --kubeconfig it is a contradiction', () => {
    expect(chooseTarget(facts({ requested: 'docker', up: true }))).toEqual({ kind: 'docker', why: 'asked for (--target docker)' });
    expect(thrown(() => chooseTarget(facts({ requested: 'docker', kubeconfig: '/k' }))).exitCode).toBe(ExitCode.usage);
  });
});

describe('podConnectionString', () => {
  it('keeps the resource and points ingestion and live metrics where the pods reach the endpoint', () => {
    const host = 'InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:18090/;LiveEndpoint=https://127.0.0.1:18090/;ApplicationId=abc';
    expect(podConnectionString(host, { host: '10.231.0.1', port: 443 })).toBe(
      'InstrumentationKey=00000000-0000-4000-8000-000000000001;ApplicationId=abc;IngestionEndpoint=https://10.231.0.1:443/;LiveEndpoint=https://10.231.0.1:443/',
    );
  });

  it('refuses a connection string that names no resource', () => {
    expect(() => podConnectionString('IngestionEndpoint=https://127.0.0.1/', { host: '10.231.0.1', port: 443 })).toThrow('without InstrumentationKey');
  });
});

describe('the namespace objects of a kube rehearsal', () => {
  it('use the Secret the environment values name, and the certificate as a ConfigMap', () => {
    const secret = connectionStringSecret('dev');
    expect(secret).toEqual({ name: 'appinsights-connection', key: 'connection-string' });
    const objects = rehearsalObjects({ namespace: 'shipyard', secret, connectionString: 'InstrumentationKey=x', caPem: 'PEM' });
    expect(objects.map((o) => [o.kind, (o.metadata as { name: string }).name])).toEqual([
      ['Secret', 'appinsights-connection'],
      ['ConfigMap', 'shipyard-rehearsal-ca'],
    ]);
    expect(objects[0].stringData).toEqual({ 'connection-string': 'InstrumentationKey=x' });
    expect(objects[1].data).toEqual({ 'ca.crt': 'PEM' });
  });
});

describe('clusterHelm', () => {
  it('names the kubeconfig and context on every command and adds the rehearsal values to upgrades only', async () => {
    const calls: string[][] = [];
    const inner: HelmRunner = { run: async (args) => (calls.push([...args]), { code: 0, stdout: '', stderr: '' }) };
    const helm = clusterHelm(inner, { kubeconfig: '/k', context: 'dev' }, '/v.yaml');
    await helm.run(['history', 'catalog-api', '-o', 'json']);
    await helm.run(['upgrade', '--install', 'catalog-api', 'charts/catalog-api']);
    expect(calls).toEqual([
      ['history', 'catalog-api', '-o', 'json', '--kubeconfig', '/k', '--kube-context', 'dev'],
      ['upgrade', '--install', 'catalog-api', 'charts/catalog-api', '--values', '/v.yaml', '--kubeconfig', '/k', '--kube-context', 'dev'],
    ]);
  });
});

describe('podsByApp', () => {
  it('lists running pods per app, leaving out terminating and pending ones', () => {
    const pod = (name: string, app: string, phase: string, deleting = false) => ({ metadata: { name, labels: { 'app.kubernetes.io/name': app }, ...(deleting ? { deletionTimestamp: 'now' } : {}) }, status: { phase } });
    const list = { items: [pod('s-2', 'storefront', 'Running'), pod('s-1', 'storefront', 'Running'), pod('c-1', 'catalog-api', 'Pending'), pod('c-0', 'catalog-api', 'Running', true), pod('c-2', 'catalog-api', 'Running')] };
    expect(podsByApp(JSON.stringify(list))).toEqual({ storefront: ['s-1', 's-2'], 'catalog-api': ['c-2'] });
  });
});

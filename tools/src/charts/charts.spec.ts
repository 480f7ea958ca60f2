import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../cli/errors';
import { readDigestFile } from '../images/digest-file';
import { environments, findChart, listCharts, type ChartInfo } from './layout';
import { lintChart } from './lint';
import { renderChart } from './render';
import { stageChart, type StagedChart } from './stage';
import { checkChartFiles, failedOutcomes, verifyChart } from './verify';
import { policyChecks } from './policy';
import { renderValuesTable } from './values-docs';
import type { K8sObject } from './manifests';

// These tests run the real pinned helm (fetched and cached on first use: npx shipyard helm version).
jest.setTimeout(120_000);

const serviceCharts = listCharts().filter((chart) => chart.role === 'service');

function podContainer(objects: K8sObject[]) {
  const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } } };
  return deployment.spec.template.spec.containers[0];
}

interface PodSpec {
  containers: Array<{ env: { name: string; value?: string }[]; volumeMounts: unknown[] }>;
  volumes: Array<{ name: string }>;
}

function podSpec(rendered: { objects: Array<{ object: K8sObject }> }): PodSpec {
  const deployment = rendered.objects.map((o) => o.object).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } };
  return deployment.spec.template.spec;
}

describe('the charts under charts/', () => {
  it('are the common library chart, the generic service chart over it, and one chart per service over that', () => {
    expect(listCharts().map((c) => `${c.name}:${c.type}:${c.role}`)).toEqual([
      'catalog-api:application:service',
      'checkout-api:application:service',
      'common:library:library',
      'service:application:base',
      'storefront:application:service',
    ]);
    expect(findChart('service').localDependencies).toEqual([findChart('common').dir]);
    for (const chart of serviceCharts) expect(chart.localDependencies).toEqual([findChart('service').dir]);
  });

  it('hold no file twice: every yaml/json file of the service charts differs from every other', () => {
    const digests = new Map<string, string>();
    for (const chart of serviceCharts) {
      for (const file of readdirSync(chart.dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ya?ml|json|txt)$/.test(f))) {
        const digest = createHash('md5').update(readFileSync(path.join(chart.dir, file))).digest('hex');
        expect(`${chart.name}/${file} = ${digests.get(digest) ?? 'unique'}`).toBe(`${chart.name}/${file} = unique`);
        digests.set(digest, `${chart.name}/${file}`);
      }
    }
  });

  describe.each(serviceCharts.map((chart) => [chart.name, chart] as const))('%s', (_name, chart: ChartInfo) => {
    let staged: StagedChart;
    beforeAll(async () => {
      staged = await stageChart(chart);
    });
    afterAll(() => staged.dispose());

    it('passes helm lint --strict in every environment', async () => {
      const results = await lintChart(chart, staged);
      expect(results.map((r) => [r.environment, r.ok, r.ok ? '' : r.output])).toEqual(environments.map((env) => [env, true, '']));
    });

    it.each(environments)('renders %s with every service object', async (environment) => {
      const { objects } = await renderChart(chart, staged, { environment });
      const kinds = objects.map((o) => o.object.kind).sort();
      const expected = ['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount'];
      expect(kinds).toEqual(chart.name === 'storefront' ? [...expected, 'Ingress'].sort() : expected);
      expect(objects.every((o) => o.object.metadata.name === chart.name)).toBe(true);
      const env = podContainer(objects.map((o) => o.object)).env;
      expect(env.find((e) => e.name === 'CLUSTER_RESOURCE_ID')?.value).toContain(`managedClusters/aks-shipyard-${environment}`);
    });

    it('reports telemetry under the service name as cloud role, as local runs do (no service.namespace resource attribute)', async () => {
      const { objects } = await renderChart(chart, staged, { environment: 'dev' });
      const env = Object.fromEntries(podContainer(objects.map((o) => o.object)).env.map((e) => [e.name, e.value]));
      expect(env['OTEL_SERVICE_NAME']).toBe(chart.name);
      expect(env['SERVICE_NAMESPACE']).toBe('shipyard');
      expect(env['OTEL_RESOURCE_ATTRIBUTES']).not.toMatch(/(^|,)\s*service\.namespace\s*=/);
    });

    it('takes the connection string as a plain value (ingestion authenticated by the workload identity), else from the Secret', async () => {
      const connectionString = 'InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
      const plain = await renderChart(chart, staged, { environment: 'dev', extraArgs: ['--set', `service.telemetry.connectionString=${connectionString.replace(/,/g, '\\,')}`] });
      const plainEnv = podContainer(plain.objects.map((o) => o.object)).env.filter((e) => e.name === 'APPLICATIONINSIGHTS_CONNECTION_STRING');
      expect(plainEnv).toEqual([{ name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: connectionString }]);
      const fromSecret = await renderChart(chart, staged, { environment: 'dev', extraArgs: ['--set', 'service.telemetry.connectionStringSecret.name=app-insights'] });
      const secretEnv = podContainer(fromSecret.objects.map((o) => o.object)).env.filter((e) => e.name === 'APPLICATIONINSIGHTS_CONNECTION_STRING');
      expect(secretEnv).toEqual([{ name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', valueFrom: { secretKeyRef: { name: 'app-insights', key: 'connection-string' } } }]);
    });

    it('trusts extra CA certificates from a ConfigMap only when one is named (NODE_EXTRA_CA_CERTS, read-only mount)', async () => {
      const plain = podSpec(await renderChart(chart, staged, { environment: 'dev' }));
      expect(plain.containers[0].env.map((e) => e.name)).not.toContain('NODE_EXTRA_CA_CERTS');
      expect(plain.volumes.map((v) => v.name)).toEqual(['tmp']);
      const withCa = podSpec(await renderChart(chart, staged, { environment: 'dev', extraArgs: ['--set', 'service.extraCaCertificates.configMap=proxy-ca', '--set', 'service.extraCaCertificates.key=bundle.pem'] }));
      expect(withCa.containers[0].env.find((e) => e.name === 'NODE_EXTRA_CA_CERTS')).toEqual({ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/shipyard/extra-ca/ca.crt' });
      expect(withCa.volumes.find((v) => v.name === 'extra-ca-certificates')).toEqual({ name: 'extra-ca-certificates', configMap: { name: 'proxy-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] } });
      expect(withCa.containers[0].volumeMounts).toContainEqual({ name: 'extra-ca-certificates', mountPath: '/etc/shipyard/extra-ca', readOnly: true });
    });

    it('wires callees to their in-cluster Service URLs', async () => {
      const { objects } = await renderChart(chart, staged, { environment: 'dev' });
      const urls = Object.fromEntries(podContainer(objects.map((o) => o.object)).env.filter((e) => e.name.endsWith('_BASE_URL')).map((e) => [e.name, e.value]));
      const expected: Record<string, Record<string, string>> = {
        'catalog-api': {},
        'checkout-api': { CATALOG_BASE_URL: 'http://catalog-api:80' },
        storefront: { CATALOG_BASE_URL: 'http://catalog-api:80', CHECKOUT_BASE_URL: 'http://checkout-api:80' },
      };
      expect(urls).toEqual(expected[chart.name]);
    });
  });

  it('pass the Kubernetes schema and every policy check in every environment', async () => {
    for (const chart of listCharts()) {
      const report = await verifyChart(chart);
      expect(failedOutcomes(report).flatMap((o) => o.findings.map((f) => `${o.environment} ${f.check} ${f.object}: ${f.message}`))).toEqual([]);
      if (chart.role === 'service') {
        expect(Object.keys(report.rendered)).toEqual([...environments]);
        // schema + unknown fields + every policy check, per environment (image-digest needs a digest file)
        const applied = report.outcomes.filter((o) => o.environment === 'prod' && o.applied).map((o) => o.check);
        expect(applied).toEqual(['k8s-schema', 'k8s-unknown-fields', ...policyChecks.map((c) => c.id).filter((id) => id !== 'image-digest')]);
      }
    }
  });

  it('keep each README values table and values.schema.json in step (and the library chart conventions)', () => {
    for (const chart of listCharts()) {
      expect(checkChartFiles(chart).flatMap((o) => o.findings.map((f) => f.message))).toEqual([]);
    }
    const readme = readFileSync(path.join(findChart('service').dir, 'README.md'), 'utf8');
    expect(readme).toContain(renderValuesTable(readFileSync(path.join(findChart('service').dir, 'values.yaml'), 'utf8')));
  });
});

describe('bad values', () => {
  const chart = findChart('catalog-api');
  let staged: StagedChart;
  beforeAll(async () => {
    staged = await stageChart(chart);
  });
  afterAll(() => staged.dispose());

  async function renderError(...extraArgs: string[]): Promise<string> {
    try {
      await renderChart(chart, staged, { environment: 'dev', extraArgs });
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      return (error as Error).message;
    }
    throw new Error(`rendering with ${extraArgs.join(' ')} succeeded`);
  }

  // A service chart's values live under service: (the generic chart it depends on); helm checks them against that chart's schema.
  it('rejects replicaCount "two" naming the key and the type', async () => {
    expect(await renderError('--set-string', 'service.replicaCount=two')).toMatch(/at '\/replicaCount': got string, want integer/);
  });

  it('rejects an unknown key, at the top and nested', async () => {
    expect(await renderError('--set', 'service.replicas=3')).toMatch(/additional properties 'replicas' not allowed/);
    expect(await renderError('--set', 'service.image.name=x')).toMatch(/at '\/image': additional properties 'name' not allowed/);
  });

  it('rejects a negative port', async () => {
    expect(await renderError('--set', 'service.containerPort=-1')).toMatch(/at '\/containerPort': minimum: got -1, want 1/);
    expect(await renderError('--set', 'service.service.port=-80')).toMatch(/at '\/service\/port': minimum: got -80, want 1/);
  });

  it('rejects the image tag latest with the reason', async () => {
    expect(await renderError('--set', 'service.image.tag=latest')).toMatch(/image.tag "latest" is not allowed: deploy an immutable tag \(the git sha\) or set image.digest/);
  });

  it('rejects a literal connection string in env, a grace period shorter than the drain, and a malformed digest', async () => {
    expect(await renderError('--set', 'service.env.APPLICATIONINSIGHTS_CONNECTION_STRING=InstrumentationKey=x')).toMatch(/invalid propertyName 'APPLICATIONINSIGHTS_CONNECTION_STRING'/);
    expect(await renderError('--set', 'service.terminationGracePeriodSeconds=12')).toMatch(/terminationGracePeriodSeconds \(12\) must be longer than preStopSleepSeconds \+ shutdownDeadlineMs \(15s\)/);
    expect(await renderError('--set', 'service.image.digest=sha256:abc')).toMatch(/at '\/image\/digest': 'sha256:abc' does not match pattern/);
  });

  it('keeps the health endpoints off an ingress: an ingress needs healthPort, and healthPort needs a port of its own', async () => {
    expect(await renderError('--set', 'service.ingress.enabled=true', '--set', 'service.ingress.host=api.example.com')).toMatch(/ingress.enabled needs healthPort: on the service's own port, \/healthz\/\* .* would be reachable from outside through the ingress/);
    expect(await renderError('--set', 'service.healthPort=8080')).toMatch(/healthPort and containerPort are both 8080/);
  });

  it('lists every cross-value problem at once', async () => {
    const message = await renderError('--set', 'service.autoscaling.minReplicas=1', '--set', 'service.terminationGracePeriodSeconds=5', '--set', 'service.clusterResourceId=');
    expect(message).toMatch(/catalog-api: invalid values:/);
    expect(message).toMatch(/clusterResourceId is required/);
    expect(message).toMatch(/terminationGracePeriodSeconds \(5\)/);
    expect(message).toMatch(/needs at least 2 replicas/);
  });
});

describe('rendering with the image step digest file', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'shipyard-digests-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('references repository@sha256 from dist/images.json for every service, and the digest check passes', async () => {
    const entries = Object.fromEntries(
      serviceCharts.map((chart, i) => {
        const digest = `sha256:${String(i + 1).repeat(64)}`;
        const repository = `127.0.0.1:5000/${chart.name}`;
        return [chart.name, { repository, tag: '0123456789abcdef0123456789abcdef01234567', digest, reference: `${repository}@${digest}` }];
      }),
    );
    const file = path.join(work, 'images.json');
    writeFileSync(file, JSON.stringify(entries));
    const digests = { file, data: readDigestFile(file) };
    for (const chart of serviceCharts) {
      const staged = await stageChart(chart);
      try {
        const image = digests.data[chart.name];
        const { objects } = await renderChart(chart, staged, { environment: 'prod', image });
        expect(podContainer(objects.map((o) => o.object)).image).toBe(image.reference);
        expect(podContainer(objects.map((o) => o.object)).image).toMatch(/^127\.0\.0\.1:5000\/[a-z-]+@sha256:[0-9]{64}$/);
      } finally {
        staged.dispose();
      }
      const report = await verifyChart(chart, { environments: ['prod'], digests });
      const digestCheck = report.outcomes.find((o) => o.check === 'image-digest');
      expect(digestCheck).toMatchObject({ applied: true, findings: [] });
    }
  });
});

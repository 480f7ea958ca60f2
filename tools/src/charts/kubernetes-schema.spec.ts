import { findUnknownFields, validateWithKubernetesModels } from './kubernetes-schema';
import type { K8sObject } from './manifests';

jest.setTimeout(30_000);

const deployment = (): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'web', image: 'web:1', resources: { limits: { cpu: '1', memory: '1Gi' } }, lifecycle: { preStop: { sleep: { seconds: 5 } } } }],
      },
    },
  },
});

describe('Kubernetes schema validation with kubernetes-models', () => {
  it('accepts a valid object (maps, quantities and newer fields such as the preStop sleep action)', async () => {
    expect(await validateWithKubernetesModels([deployment()])).toEqual([]);
    expect(findUnknownFields([deployment()])).toEqual([]);
  });

  it('rejects a wrong type and a missing required field, naming the path', async () => {
    const wrongType = deployment();
    (wrongType.spec as Record<string, unknown>).replicas = 'two';
    const noSelector = deployment();
    delete (noSelector.spec as Record<string, unknown>).selector;
    const findings = await validateWithKubernetesModels([wrongType, noSelector]);
    expect(findings.map((f) => `${f.object}: ${f.message}`)).toEqual([
      'Deployment/web: data/spec/replicas must be integer',
      'Deployment/web: data/spec must have required property selector',
    ]);
  });

  it('rejects unknown fields at any depth, naming the path and the type', () => {
    const typo = deployment() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    typo.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: '/', port: 80 } };
    typo.spec.template.spec.securityContext = { runAsNonRoot: true, readOnlyRootFilesystem: true };
    typo.metadata.labelz = {};
    expect(findUnknownFields([typo as K8sObject]).map((f) => f.message)).toEqual([
      expect.stringMatching(/^metadata.labelz: unknown field \(not in I.*ObjectMeta\)$/),
      expect.stringMatching(/^spec.template.spec.containers\[0\].readinesProbe: unknown field \(not in I.*Container\)$/),
      expect.stringMatching(/^spec.template.spec.securityContext.readOnlyRootFilesystem: unknown field \(not in I.*PodSecurityContext\)$/),
    ]);
  });

  it('reports a kind it has no schema for instead of passing it', async () => {
    const widget: K8sObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect((await validateWithKubernetesModels([widget]))[0].message).toMatch(/no schema for example.com\/v1 Widget/);
    expect(findUnknownFields([widget])[0].message).toMatch(/declares no type for example.com\/v1 Widget/);
  });
});

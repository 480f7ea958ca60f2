import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { namespaceFromResourceAttributes, resourceEnvironment, serviceNameFromEntry } from './service-identity';

describe('serviceNameFromEntry', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'svc-id-'));
    mkdirSync(path.join(dir, 'dist'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@shipyard/checkout-api' }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the unscoped name of the package holding the entry script', () => {
    expect(serviceNameFromEntry(path.join(dir, 'dist', 'main.js'))).toBe('checkout-api');
  });

  it('is undefined without an entry script', () => {
    expect(serviceNameFromEntry(undefined)).toBeUndefined();
  });
});

describe('resourceEnvironment', () => {
  const identity = { serviceName: 'catalog-api', serviceInstance: 'pod-1', serviceVersion: 'abc123' };

  it('sets the service name and adds instance and version', () => {
    expect(resourceEnvironment({}, identity)).toEqual({
      OTEL_SERVICE_NAME: 'catalog-api',
      OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=pod-1,service.version=abc123',
    });
  });

  it('keeps what the operator set', () => {
    expect(resourceEnvironment({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=9,deployment.environment=dev' }, identity)).toEqual({
      OTEL_SERVICE_NAME: 'catalog-api',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=9,deployment.environment=dev,service.instance.id=pod-1',
    });
  });

  it('takes service.namespace out, so the cloud role stays the service name wherever it runs', () => {
    expect(resourceEnvironment({ OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=shipyard,service.version=9,k8s.pod.name=p' }, identity)).toEqual({
      OTEL_SERVICE_NAME: 'catalog-api',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=9,k8s.pod.name=p,service.instance.id=pod-1',
    });
    expect(resourceEnvironment({ OTEL_RESOURCE_ATTRIBUTES: ' service.namespace = shipyard ' }, { ...identity, serviceInstance: 'x', serviceVersion: undefined })).toEqual({
      OTEL_SERVICE_NAME: 'catalog-api',
      OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=x',
    });
  });
});

describe('namespaceFromResourceAttributes', () => {
  it('reads the namespace an operator set, percent-decoded', () => {
    expect(namespaceFromResourceAttributes('service.version=1,service.namespace=team%20a')).toBe('team a');
    expect(namespaceFromResourceAttributes('service.version=1')).toBeUndefined();
    expect(namespaceFromResourceAttributes(undefined)).toBeUndefined();
  });
});

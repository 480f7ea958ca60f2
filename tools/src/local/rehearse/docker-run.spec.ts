import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PodSpec } from '../../charts/pod-templates';
import { containerName, cpuLimit, dockerRunArgs, dockerRunFor, envFileText, memoryBytes, rewriteServiceUrl, withEnvFile, type RunContext } from './docker-run';

const serviceUrls = { 'catalog-api': 'http://127.0.0.1:18000', 'checkout-api': 'http://127.0.0.1:18001' };

function podSpec(overrides: Partial<PodSpec['containers'] extends (infer C)[] | undefined ? C : never> = {}): PodSpec {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 } as PodSpec['securityContext'],
    terminationGracePeriodSeconds: 30,
    containers: [
      {
        name: 'checkout-api',
        image: '127.0.0.1:5000/checkout-api@sha256:' + 'a'.repeat(64),
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'health', containerPort: 8081 },
        ],
        env: [
          { name: 'HOST', value: '0.0.0.0' },
          { name: 'PORT', value: '8080' },
          { name: 'HEALTH_PORT', value: '8081' },
          { name: 'CATALOG_BASE_URL', value: 'http://catalog-api:80' },
          { name: 'CLUSTER_RESOURCE_ID', value: '/subscriptions/x/managedClusters/aks' },
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', valueFrom: { secretKeyRef: { name: 'appinsights-connection', key: 'connection-string' } } },
          { name: 'K8S_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'k8s.pod.name=$(K8S_POD_NAME),literal=$$(KEEP)' },
        ],
        readinessProbe: { httpGet: { path: '/healthz/ready', port: 'health' }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
        startupProbe: { httpGet: { path: '/healthz/live', port: 'health' }, periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
        resources: { limits: { cpu: '250m', memory: '192Mi' } },
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        ...overrides,
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
  };
}

const ctx: RunContext = {
  workspace: 'abc123',
  environment: 'dev',
  namespace: 'shipyard',
  app: 'checkout-api',
  revision: 3,
  port: 18103,
  healthPort: 18203,
  serviceUrls,
  secrets: { 'appinsights-connection/connection-string': 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:18090/' },
  extraCaFile: '/state/telemetry/cert/cert.pem',
};

const pairs = (args: string[], flag: string) => args.flatMap((arg, index) => (args[index - 1] === flag ? [arg] : []));

describe('dockerRunFor', () => {
  const run = dockerRunFor(podSpec(), ctx);

  it('runs the pod spec as AKS would: uid, read-only root, tmpfs /tmp, no capabilities, limits, grace period, host network', () => {
    expect(run.args.slice(0, 6)).toEqual(['run', '--detach', '--name', 'shipyard-rehearsal-abc123-dev-checkout-api-r3', '--network', 'host']);
    expect(pairs(run.args, '--user')).toEqual(['10001:10001']);
    expect(run.args).toContain('--read-only');
    expect(pairs(run.args, '--tmpfs')).toEqual([`/tmp:rw,nosuid,nodev,mode=1777,size=${64 * 1024 * 1024}`]);
    expect(pairs(run.args, '--cap-drop')).toEqual(['ALL']);
    expect(pairs(run.args, '--security-opt')).toEqual(['no-new-privileges']);
    expect(pairs(run.args, '--memory')).toEqual([String(192 * 1024 * 1024)]);
    expect(pairs(run.args, '--cpus')).toEqual(['0.25']);
    expect(pairs(run.args, '--stop-timeout')).toEqual(['30']);
    expect(dockerRunArgs(run, '/x/container.env').slice(-3)).toEqual(['--env-file', '/x/container.env', `127.0.0.1:5000/checkout-api@sha256:${'a'.repeat(64)}`]);
  });

  it('keeps the environment, Secret values above all, off the command line', () => {
    const args = dockerRunArgs(run, '/x/container.env');
    expect(args).not.toContain('--env');
    expect(args.join(' ')).not.toContain(ctx.secrets['appinsights-connection/connection-string']);
    expect(args.join(' ')).not.toContain('InstrumentationKey');
  });

  it('writes the environment to a 0600 file that is gone afterwards', async () => {
    let seen = '';
    await withEnvFile(run.env, async (file) => {
      seen = file;
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(readFileSync(file, 'utf8')).toBe(envFileText(run.env));
    });
    expect(existsSync(seen)).toBe(false);
    await expect(withEnvFile(run.env, () => Promise.reject(new Error('docker failed')))).rejects.toThrow('docker failed');
  });

  it('refuses values an env file cannot carry', () => {
    expect(envFileText([['A', 'b=c d']])).toBe('A=b=c d\n');
    expect(() => envFileText([['A', 'one\nB=two']])).toThrow('env A: a name or value with a line break cannot be passed to a container');
  });

  it('binds loopback on its own port, calls Services on loopback, gets the secret, expands $(VAR) and trusts the mounted CA', () => {
    const env = Object.fromEntries(run.env);
    expect(env).toMatchObject({
      HOST: '127.0.0.1',
      PORT: '18103',
      HEALTH_PORT: '18203',
      CATALOG_BASE_URL: 'http://127.0.0.1:18000',
      CLUSTER_RESOURCE_ID: '/subscriptions/x/managedClusters/aks',
      APPLICATIONINSIGHTS_CONNECTION_STRING: ctx.secrets['appinsights-connection/connection-string'],
      K8S_POD_NAME: 'shipyard-rehearsal-abc123-dev-checkout-api-r3',
      OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=shipyard-rehearsal-abc123-dev-checkout-api-r3,literal=$(KEEP)',
      NODE_EXTRA_CA_CERTS: '/etc/shipyard/extra-ca.pem',
    });
    expect(pairs(run.args, '--volume')).toEqual(['/state/telemetry/cert/cert.pem:/etc/shipyard/extra-ca.pem:ro']);
  });

  it("waits on the readiness probe where the kubelet would reach it: the health port, moved as PORT is", () => {
    expect({ path: run.readinessPath, port: run.readinessPort }).toEqual({ path: '/healthz/ready', port: 18203 });
    const byNumber = podSpec({ readinessProbe: { httpGet: { path: '/ready', port: 8080 } } });
    expect(dockerRunFor(byNumber, ctx).readinessPort).toBe(18103);
    const elsewhere = podSpec({ readinessProbe: { httpGet: { path: '/ready', port: 9090 } } });
    expect(() => dockerRunFor(elsewhere, ctx)).toThrow("checkout-api: the readiness probe's port 9090 is neither the container's PORT nor its HEALTH_PORT");
  });

  it('labels the container so the rehearsal finds it and --down removes it', () => {
    expect(pairs(run.args, '--label')).toEqual(expect.arrayContaining(['shipyard.rehearsal=1', 'shipyard.workspace=abc123', 'shipyard.env=dev', 'shipyard.app=checkout-api', 'shipyard.revision=3', 'shipyard.port=18103']));
  });

  it('waits as long as the startup and readiness probes allow', () => {
    expect(run.readinessPath).toBe('/healthz/ready');
    expect(run.readyTimeoutMs).toBe((2 * 30 + 2 + 5 * 2 + 2) * 1000);
  });

  it('has the same spec hash on either port, another one when the pod spec changes', () => {
    expect(dockerRunFor(podSpec(), { ...ctx, port: 18102 }).specHash).toBe(run.specHash);
    expect(dockerRunFor(podSpec({ image: '127.0.0.1:5000/checkout-api@sha256:' + 'b'.repeat(64) }), ctx).specHash).not.toBe(run.specHash);
  });

  it('refuses what it cannot stand in for, naming it', () => {
    expect(() => dockerRunFor(podSpec({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }), ctx)).toThrow('env X reads secret db/password');
    expect(() => dockerRunFor(podSpec({ readinessProbe: undefined }), ctx)).toThrow('httpGet readiness probe');
    expect(() => dockerRunFor({ ...podSpec(), volumes: [{ name: 'tmp', configMap: { name: 'x' } }] }, ctx)).toThrow('volume tmp is not an emptyDir');
  });
});

describe('quantities', () => {
  it.each([
    ['250m', '0.25'],
    ['1', '1'],
    ['1500m', '1.5'],
  ])('cpu %s → %s', (value, expected) => expect(cpuLimit(value)).toBe(expected));
  it.each([
    ['192Mi', 192 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['128M', 128e6],
    ['1000', 1000],
  ])('memory %s → %d bytes', (value, expected) => expect(memoryBytes(value)).toBe(expected));
  it('rejects what it does not understand', () => {
    expect(() => memoryBytes('12Q')).toThrow('memory quantity "12Q"');
    expect(() => cpuLimit('lots')).toThrow('CPU quantity "lots"');
  });
});

describe('rewriteServiceUrl', () => {
  it.each([
    ['http://catalog-api:80', 'http://127.0.0.1:18000'],
    ['http://catalog-api', 'http://127.0.0.1:18000'],
    ['http://catalog-api.shipyard.svc.cluster.local:80/v1', 'http://127.0.0.1:18000/v1'],
    ['http://catalog-api.other.svc.cluster.local', 'http://catalog-api.other.svc.cluster.local'],
    ['https://example.com/catalog-api', 'https://example.com/catalog-api'],
    ['http://unknown-api:80', 'http://unknown-api:80'],
  ])('%s → %s', (value, expected) => expect(rewriteServiceUrl(value, serviceUrls, 'shipyard')).toBe(expected));
  it('names containers per environment, app and revision', () => expect(containerName({ workspace: 'abc123', environment: 'prod', app: 'storefront', revision: 12 })).toBe('shipyard-rehearsal-abc123-prod-storefront-r12'));
});

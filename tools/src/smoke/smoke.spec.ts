import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type DeployReport, deployRelease, rollbackEnvironment } from '../deploy/converge';
import { FakeHelm } from '../deploy/testing/fake-helm';
import { publishRelease } from '../deploy/testing/publish';
import { releaseRepository } from '../release/release-manifest';
import { ReleaseStore } from '../release/release-store';
import { MemoryRegistry } from '../release/testing/memory-registry';
import { portForward } from './port-forward';
import { smokeEnvironment, type SmokeStepOptions } from './smoke-step';
import { chartIngress, parseUrlOptions, resolveTargets } from './targets';

const apps = ['catalog-api', 'checkout-api', 'storefront'];
const product = { id: 'teapot', name: 'Teapot', description: 'A teapot.', category: 'kitchen', priceCents: 2999, currency: 'EUR' };

interface Behaviour {
  ready?: number;
  /** Answer 503 for the first N readiness calls (a rollout finishing). */
  notReadyFor?: number;
  page?: string;
  products?: unknown;
  quote?: (body: { items: Array<{ productId: string; quantity: number }> }) => unknown;
}

/** One loopback server per app playing the services' HTTP surface. */
async function fakeApp(behaviour: Behaviour = {}) {
  let readyCalls = 0;
  const server = http.createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(body);
    if (req.url === '/healthz/ready') {
      readyCalls += 1;
      return send(readyCalls <= (behaviour.notReadyFor ?? 0) ? 503 : (behaviour.ready ?? 200), '{"status":"ok"}');
    }
    if (req.url === '/') return send(200, behaviour.page ?? '<html><head><script id="config" type="application/json">{"environment":"dev"}</script></head></html>', 'text/html; charset=utf-8');
    if (req.url === '/api/catalog/products') return send(200, JSON.stringify(behaviour.products ?? { items: [product], page: { limit: 20, offset: 0, total: 1 } }));
    if (req.url === '/api/checkout/quotes' && req.method === 'POST') {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const cart = JSON.parse(raw) as { items: Array<{ productId: string; quantity: number }> };
        const quantity = cart.items[0].quantity;
        const standard = {
          currency: 'EUR',
          lines: [{ productId: cart.items[0].productId, name: 'Teapot', unitPriceCents: 2999, quantity, lineTotalCents: 2999 * quantity }],
          subtotalCents: 2999 * quantity,
          taxRateBasisPoints: 2000,
          taxCents: 1200,
          totalCents: 2999 * quantity + 1200,
        };
        send(200, JSON.stringify(behaviour.quote ? behaviour.quote(cart) : standard));
      });
      return;
    }
    send(404, '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function environment(behaviours: Record<string, Behaviour> = {}) {
  const urls: Record<string, string> = {};
  for (const app of apps) {
    const fake = await fakeApp(behaviours[app]);
    closers.push(fake.close);
    urls[app] = fake.url;
  }
  return urls;
}

function options(urls: Record<string, string>, extra: Partial<SmokeStepOptions> = {}): SmokeStepOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    environment: 'dev',
    apps,
    urls,
    portForward: false,
    namespace: 'shipyard',
    policy: { attempts: 3, intervalMs: 20 },
    http: { requestTimeoutMs: 2000 },
    log: (line) => lines.push(line),
    env: {},
    lines,
    ...extra,
  };
}

describe('smoke checks', () => {
  it('pass against healthy services: readiness of each app, page, products and a quote through the storefront', async () => {
    const run = options(await environment());
    const outcome = await smokeEnvironment(run);
    expect(outcome.ok).toBe(true);
    expect(outcome.results.map((result) => [result.name, result.ok])).toEqual([
      ['catalog-api ready', true],
      ['checkout-api ready', true],
      ['storefront ready', true],
      ['page loads with its config block', true],
      ['products through the storefront', true],
      ['quote through the storefront', true],
    ]);
    expect(run.lines).toContain(`✓ quote through the storefront: ${outcome.results[5].detail}`);
    expect(outcome.results[5].detail).toMatch(/^2 × teapot = 7198 EUR cents in \d+ ms$/);
  });

  it("ask the storefront's readiness on its health port (its chart gives it one: it has the ingress), the others' on their Service", async () => {
    // The storefront's public URL answers 503 on /healthz/ready; only its health port says ready.
    const publicUrls = await environment({ storefront: { ready: 503 } });
    const healthPorts = await environment();
    expect((await smokeEnvironment(options(publicUrls, { healthUrls: { storefront: healthPorts.storefront } }))).ok).toBe(true);
    const closed: string[] = [];
    const forwardHealth = jest.fn(async (app: string) => ({ url: healthPorts[app], close: () => closed.push(app) }));
    const forwarded = options(publicUrls, { forwardHealth });
    expect((await smokeEnvironment(forwarded)).ok).toBe(true);
    expect(forwardHealth.mock.calls.map(([app]) => app)).toEqual(['storefront']);
    expect(closed).toEqual(['storefront']);
    expect(forwarded.lines).toContain(`storefront: ${publicUrls.storefront} (option) — entry; health ${healthPorts.storefront} (port-forward to the health port)`);
    expect(forwarded.lines).toContain(`catalog-api: ${publicUrls['catalog-api']} (option); health ${publicUrls['catalog-api']} (its own URL)`);
    // Neither given nor forwarded: the public URL it is, and its 503 fails the check.
    const neither = await smokeEnvironment(options(publicUrls, { policy: { attempts: 1, intervalMs: 0 } }));
    expect(neither.results.find((result) => result.name === 'storefront ready')).toMatchObject({ ok: false });
  });

  it('retry within bounds while a service is not ready yet', async () => {
    const run = options(await environment({ 'checkout-api': { notReadyFor: 2 } }));
    const outcome = await smokeEnvironment(run);
    expect(outcome.results[1]).toMatchObject({ name: 'checkout-api ready', ok: true, attempts: 3 });
    expect(run.lines.filter((line) => line.startsWith('  … checkout-api ready: attempt'))).toHaveLength(2);
  });

  it('fail with the reason per check, and skip the quote when there is no product', async () => {
    const run = options(
      await environment({
        'catalog-api': { ready: 503 },
        storefront: { page: '<html>no config</html>', products: { items: [], page: { limit: 20, offset: 0, total: 0 } } },
      }),
    );
    const outcome = await smokeEnvironment(run);
    expect(outcome.ok).toBe(false);
    const byName = Object.fromEntries(outcome.results.map((result) => [result.name, result]));
    expect(byName['catalog-api ready']).toMatchObject({ ok: false, attempts: 3, detail: expect.stringMatching(/\/healthz\/ready answered 503/) });
    expect(byName['page loads with its config block'].detail).toMatch(/has no <script id="config" type="application\/json"> block/);
    expect(byName['products through the storefront'].detail).toMatch(/the catalog is empty/);
    expect(byName['quote through the storefront']).toMatchObject({ ok: false, attempts: 0, detail: 'skipped: needs products through the storefront' });
  });

  it('check that the quote adds up, and that answers follow the contracts', async () => {
    const run = options(
      await environment({
        storefront: {
          products: { items: [{ ...product, priceCents: -1 }], page: { limit: 20, offset: 0, total: 1 } },
        },
      }),
    );
    const outcome = await smokeEnvironment(run);
    expect(outcome.results[4].detail).toMatch(/not a product list: items\.0\.priceCents: must be 0 or more/);
    const wrongTotal = options(await environment({ storefront: { quote: () => ({ currency: 'EUR', lines: [{ productId: 'teapot', name: 'Teapot', unitPriceCents: 2999, quantity: 2, lineTotalCents: 5998 }], subtotalCents: 5998, taxRateBasisPoints: 2000, taxCents: 1200, totalCents: 1 }) } }));
    const second = await smokeEnvironment(wrongTotal);
    expect(second.results[5].detail).toMatch(/the quote does not add up/);
  });

  it('roll the environment back on failure when asked, and report where to', async () => {
    const rollback = jest.fn(async () => ({ release: { gitSha: 'a'.repeat(40) }, before: { gitSha: 'b'.repeat(40) } }) as DeployReport);
    const failing = await smokeEnvironment(options(await environment({ storefront: { ready: 500 } }), { rollback }));
    expect(rollback).toHaveBeenCalledTimes(1);
    expect(failing).toMatchObject({ ok: false, rolledBack: { to: 'a'.repeat(40), from: 'b'.repeat(40) } });
    const passing = await smokeEnvironment(options(await environment(), { rollback }));
    expect(passing.ok).toBe(true);
    expect(rollback).toHaveBeenCalledTimes(1);
  });

  it('after a failed smoke, --rollback-on-failure puts the environment and its pointer back on the previous release', async () => {
    const registry = new MemoryRegistry();
    const helm = new FakeHelm(registry);
    const converge = { environment: 'dev' as const, namespace: 'shipyard', timeout: '10m', store: new ReleaseStore(registry), helm, dryRun: false, log: () => undefined };
    await publishRelease(registry, 'a'.repeat(40), apps);
    await deployRelease({ kind: 'sha', tag: 'a'.repeat(40) }, converge);
    await publishRelease(registry, 'b'.repeat(40), ['storefront'], 'a'.repeat(40));
    await deployRelease({ kind: 'sha', tag: 'b'.repeat(40) }, converge);
    const storefrontBefore = helm.latest('storefront')?.values;
    const outcome = await smokeEnvironment(options(await environment({ storefront: { ready: 503 } }), { rollback: () => rollbackEnvironment(converge) }));
    expect(outcome.rolledBack).toEqual({ to: 'a'.repeat(40), from: 'b'.repeat(40) });
    const tags = registry.tagsOf(releaseRepository);
    expect(tags['env-dev']).toBe(tags['a'.repeat(40)]);
    expect(tags['env-dev-failed']).toBe(tags['b'.repeat(40)]);
    expect(helm.latest('storefront')?.values).not.toEqual(storefrontBefore);
    expect(helm.changes().at(-1)?.slice(0, 3)).toEqual(['upgrade', '--install', 'storefront']);
  });

  it('report a rollback that fails as well', async () => {
    const rollback = jest.fn(async () => {
      throw new Error('no previous release recorded for dev');
    });
    const outcome = await smokeEnvironment(options(await environment({ 'checkout-api': { ready: 503 } }), { rollback }));
    expect(outcome).toMatchObject({ ok: false, rollbackError: 'no previous release recorded for dev' });
  });
});

describe('smoke targets', () => {
  it('take the storefront from its ingress in the overlay and the rest from port-forward', () => {
    expect(chartIngress('storefront', 'dev')).toEqual({ enabled: true, host: expect.stringMatching(/\./), path: '/', tls: false });
    expect(chartIngress('storefront', 'prod').tls).toBe(true);
    expect(chartIngress('catalog-api', 'dev').enabled).toBe(false);
    const { entry, targets } = resolveTargets({ apps, environment: 'prod', urls: {}, portForward: true, env: {} });
    expect(entry).toBe('storefront');
    expect(targets).toEqual([
      { app: 'catalog-api', url: null, source: 'port-forward' },
      { app: 'checkout-api', url: null, source: 'port-forward' },
      { app: 'storefront', url: `https://${chartIngress('storefront', 'prod').host}`, source: 'ingress' },
    ]);
  });

  it('prefer --url, --base-url and SHIPYARD_SMOKE_URL_<APP>', () => {
    const { targets } = resolveTargets({
      apps,
      environment: 'dev',
      urls: { 'catalog-api': 'http://127.0.0.1:3001' },
      baseUrl: 'http://127.0.0.1:3000/',
      portForward: false,
      env: { SHIPYARD_SMOKE_URL_CHECKOUT_API: 'http://127.0.0.1:3002' },
    });
    expect(targets.map((target) => [target.app, target.url, target.source])).toEqual([
      ['catalog-api', 'http://127.0.0.1:3001', 'option'],
      ['checkout-api', 'http://127.0.0.1:3002', 'env'],
      ['storefront', 'http://127.0.0.1:3000', 'option'],
    ]);
  });

  it('give clear errors for bad --url values and apps nobody can reach', () => {
    expect(() => parseUrlOptions(['storefront'], apps)).toThrow(/--url "storefront" must look like <app>=<base url>/);
    expect(() => parseUrlOptions(['billing=http://127.0.0.1:1'], apps)).toThrow(/--url names "billing", which is not a deployable app/);
    expect(() => parseUrlOptions(['storefront=ftp://127.0.0.1'], apps)).toThrow(/must be an http\(s\) URL/);
    expect(() => parseUrlOptions(['storefront'], apps, '--health-url')).toThrow(/--health-url "storefront" must look like <app>=<base url>/);
    expect(() => resolveTargets({ apps, environment: 'dev', urls: {}, portForward: false, env: {} })).toThrow(
      /no URL for catalog-api, checkout-api: pass --url <app>=<url> or set SHIPYARD_SMOKE_URL_CATALOG_API, SHIPYARD_SMOKE_URL_CHECKOUT_API/,
    );
  });
});

describe('kubectl port-forward', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-kubectl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the loopback port kubectl picked and stops kubectl when closed', async () => {
    const target = await fakeApp();
    closers.push(target.close);
    const port = new URL(target.url).port;
    const kubectl = path.join(dir, 'kubectl');
    const argsFile = path.join(dir, 'args');
    writeFileSync(kubectl, `#!/bin/sh\necho "$@" > ${argsFile}\necho "Forwarding from 127.0.0.1:${port} -> 8080"\nexec sleep 30\n`);
    chmodSync(kubectl, 0o755);
    const forward = await portForward('catalog-api', { namespace: 'shop', kubectl });
    expect(forward.url).toBe(target.url);
    expect((await fetch(`${forward.url}/healthz/ready`)).status).toBe(200);
    forward.close();
    expect(readFileSync(argsFile, 'utf8').trim()).toBe('port-forward --namespace shop svc/catalog-api :80 --address 127.0.0.1');
    // The health endpoints: one of the Deployment's pods, by the container port's name (no Service has it).
    const health = await portForward('catalog-api', { namespace: 'shop', kubectl, target: 'health', kubeconfig: '/k', context: 'dev' });
    health.close();
    expect(readFileSync(argsFile, 'utf8').trim()).toBe('port-forward --kubeconfig /k --context dev --namespace shop deployment/catalog-api :health --address 127.0.0.1');
  });

  it('explains a kubectl that fails or is missing', async () => {
    const kubectl = path.join(dir, 'kubectl');
    writeFileSync(kubectl, '#!/bin/sh\necho "error: services \\"catalog-api\\" not found" >&2\nexit 1\n');
    chmodSync(kubectl, 0o755);
    await expect(portForward('catalog-api', { namespace: 'shop', kubectl })).rejects.toThrow(/kubectl port-forward svc\/catalog-api exited with 1: error: services "catalog-api" not found/);
    await expect(portForward('catalog-api', { namespace: 'shop', kubectl: path.join(dir, 'none') })).rejects.toThrow(/is not installed: smoke needs it to reach catalog-api/);
  });
});

import { checkTelemetry } from './telemetry-check';

const apps = ['catalog-api', 'checkout-api', 'storefront'];
const request = (role: string, operation: string) => ({ tags: { 'ai.cloud.role': role, 'ai.operation.id': operation }, data: { baseType: 'RequestData', baseData: {} } });
const dependency = (role: string, target: string) => ({ tags: { 'ai.cloud.role': role }, data: { baseType: 'RemoteDependencyData', baseData: { type: 'HTTP', target } } });

describe('checkTelemetry', () => {
  it('passes when every app has requests, the entry app calls out and the hops share operation ids', () => {
    const verdict = checkTelemetry(
      [request('storefront', 'op1'), request('checkout-api', 'op1'), request('catalog-api', 'op1'), dependency('storefront', '127.0.0.1:18001'), request('storefront', 'op2')],
      apps,
      'storefront',
    );
    expect(verdict).toEqual({ ok: true, requests: { 'catalog-api': 1, 'checkout-api': 1, storefront: 2 }, dependencies: { 'storefront → 127.0.0.1:18001': 1 }, correlatedOperations: 1, problems: [] });
  });

  it('names what is missing: an app without requests, no dependency, uncorrelated hops', () => {
    const verdict = checkTelemetry([request('storefront', 'op1'), request('checkout-api', 'op2')], apps, 'storefront');
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([
      'no requests from catalog-api',
      'no HTTP dependency from storefront',
      'no operation id shared by storefront and catalog-api requests',
      'no operation id shared by storefront and checkout-api requests',
    ]);
  });

  it('fails when a service reports under any other role than its name (one role name everywhere)', () => {
    const verdict = checkTelemetry(
      [request('shipyard.storefront', 'op1'), request('checkout-api', 'op1'), request('catalog-api', 'op1'), dependency('storefront', '127.0.0.1:18001'), request('storefront', 'op1')],
      apps,
      'storefront',
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual(["storefront reports as cloud role 'shipyard.storefront', expected 'storefront'"]);
    expect(verdict.requests).toEqual({ 'catalog-api': 1, 'checkout-api': 1, storefront: 1 });
  });

  it('ignores other roles and non-HTTP dependencies', () => {
    const verdict = checkTelemetry([request('someone-else', 'op1'), { tags: { 'ai.cloud.role': 'storefront' }, data: { baseType: 'RemoteDependencyData', baseData: { type: 'InProc' } } }], apps, 'storefront');
    expect(verdict.dependencies).toEqual({});
    expect(verdict.requests).toEqual({ 'catalog-api': 0, 'checkout-api': 0, storefront: 0 });
  });
});

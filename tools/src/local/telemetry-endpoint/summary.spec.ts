import type { Envelope } from './envelopes';
import { durationMs, percentile, summarize } from './summary';

let seq = 0;
function item(baseType: string, role: string, baseData: Record<string, unknown>, tags: Record<string, string> = {}): Envelope {
  seq += 1;
  return {
    name: `x.${baseType}`,
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    iKey: 'k',
    tags: { 'ai.cloud.role': role, ...tags },
    data: { baseType, baseData },
  };
}
const request = (role: string, ms: number, success: boolean, tags: Record<string, string> = {}, name = 'GET /x') =>
  item('RequestData', role, { name, duration: `00:00:00.${String(ms).padStart(3, '0')}`, success, responseCode: success ? '200' : '500' }, tags);

describe('durationMs and percentile', () => {
  it('parses the contract duration format', () => {
    expect(durationMs('00:00:01.250')).toBe(1250);
    expect(durationMs('1.00:00:00.0000000')).toBe(86_400_000);
    expect(durationMs('soon')).toBeUndefined();
  });

  it('uses nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('summarize', () => {
  it('counts requests, failures and percentiles per role, and operations by name', () => {
    const s = summarize([
      request('catalog-api', 10, true, {}, 'GET /products/:id'),
      request('catalog-api', 20, true, {}, 'GET /products/:id'),
      request('catalog-api', 30, false, {}, 'GET /products'),
      request('checkout-api', 40, true),
    ]);
    expect(s.roles).toEqual([
      {
        role: 'catalog-api',
        requests: 3,
        failedRequests: 1,
        failureRate: 0.333,
        p50Ms: 20,
        p95Ms: 30,
        operations: [
          { name: 'GET /products/:id', count: 2 },
          { name: 'GET /products', count: 1 },
        ],
      },
      { role: 'checkout-api', requests: 1, failedRequests: 0, failureRate: 0, p50Ms: 40, p95Ms: 40, operations: [{ name: 'GET /x', count: 1 }] },
    ]);
  });

  it('maps a dependency to the role whose request it caused, else to its target', () => {
    const s = summarize([
      item('RemoteDependencyData', 'checkout-api', { id: 'aaaa000000000001', target: '127.0.0.1:3001', type: 'Http', duration: '00:00:00.004', success: true }),
      request('catalog-api', 3, true, { 'ai.operation.parentId': 'aaaa000000000001' }),
      item('RemoteDependencyData', 'storefront-browser', { id: '|0123456789abcdef0123456789abcdef.bbbb000000000002.', target: '127.0.0.1:3000', type: 'Ajax', duration: '00:00:00.008', success: true }),
      request('storefront', 7, true, { 'ai.operation.parentId': 'bbbb000000000002' }),
      item('RemoteDependencyData', 'catalog-api', { id: 'cccc', target: 'db.internal', type: 'SQL', duration: '00:00:00.002', success: false }),
    ]);
    expect(s.dependencies).toEqual([
      { source: 'catalog-api', target: 'db.internal', type: 'SQL', calls: 1, failed: 1, avgMs: 2 },
      { source: 'checkout-api', target: 'catalog-api', type: 'Http', calls: 1, failed: 0, avgMs: 4 },
      { source: 'storefront-browser', target: 'storefront', type: 'Ajax', calls: 1, failed: 0, avgMs: 8 },
    ]);
  });

  it('lists recent exceptions newest first, page views and custom events', () => {
    const s = summarize([
      item('ExceptionData', 'checkout-api', { exceptions: [{ typeName: 'Error', message: 'first' }] }, { 'ai.operation.id': 'op1' }),
      item('ExceptionData', 'checkout-api', { exceptions: [{ typeName: 'TypeError', message: 'second' }] }, { 'ai.operation.id': 'op2' }),
      item('PageviewData', 'storefront-browser', { name: 'Storefront' }),
      item('PageviewData', 'storefront-browser', { name: 'Storefront' }),
      item('EventData', 'checkout-api', { name: 'QuoteCreated' }),
    ]);
    expect(s.recentExceptions.map((e) => [e.message, e.operationId])).toEqual([
      ['second', 'op2'],
      ['first', 'op1'],
    ]);
    expect(s.pageViews).toEqual([{ role: 'storefront-browser', name: 'Storefront', count: 2 }]);
    expect(s.customEvents).toEqual([{ role: 'checkout-api', name: 'QuoteCreated', count: 1 }]);
  });
});

import { parse } from 'yaml';
import { calleeFor, withCallee } from './callers';

const callee = calleeFor({ name: 'orders-api', constantName: 'ORDERS_API' }, { service: 80, container: 8080 });

const withOneCallee = `# checkout-api: only what differs
service:
  nameOverride: checkout-api
  callees:
    - name: catalog-api
      service: catalog-api
      port: 80
      targetPort: 8080
      envVar: CATALOG_BASE_URL

  networkPolicy:
    enabled: true # keep me
`;

describe('withCallee', () => {
  it('builds the entry from the service name and ports', () => {
    expect(callee).toEqual({ name: 'orders-api', service: 'orders-api', port: 80, targetPort: 8080, envVar: 'ORDERS_API_BASE_URL' });
  });

  it('appends the callee and changes nothing else', () => {
    const updated = withCallee(withOneCallee, callee, 'values.yaml');
    expect(updated).toBe(
      withOneCallee.replace(
        '      envVar: CATALOG_BASE_URL\n',
        '      envVar: CATALOG_BASE_URL\n    - name: orders-api\n      service: orders-api\n      port: 80\n      targetPort: 8080\n      envVar: ORDERS_API_BASE_URL\n',
      ),
    );
  });

  it('turns an empty flow list into a block list', () => {
    const updated = withCallee('# calls nobody yet\nservice:\n  callees: []\n  env: {}\n', callee, 'values.yaml');
    expect(updated).toBe(
      '# calls nobody yet\nservice:\n  callees:\n    - name: orders-api\n      service: orders-api\n      port: 80\n      targetPort: 8080\n      envVar: ORDERS_API_BASE_URL\n  env: {}\n',
    );
    expect(parse(updated)).toEqual({ service: { callees: [callee], env: {} } });
  });

  it('adds service.callees to a caller that calls nobody yet', () => {
    const updated = withCallee('service:\n  nameOverride: catalog-api\n', callee, 'values.yaml');
    expect(parse(updated)).toEqual({ service: { nameOverride: 'catalog-api', callees: [callee] } });
  });

  it('refuses a caller that already calls the service', () => {
    const once = withCallee(withOneCallee, callee, 'charts/storefront/values.yaml');
    expect(() => withCallee(once, callee, 'charts/storefront/values.yaml')).toThrow('charts/storefront/values.yaml: already lists the callee orders-api');
  });

  it('refuses a caller whose variable is already taken', () => {
    const clash = { ...callee, envVar: 'CATALOG_BASE_URL' };
    expect(() => withCallee(withOneCallee, clash, 'values.yaml')).toThrow('values.yaml: the callee catalog-api already uses the variable CATALOG_BASE_URL');
  });

  it('refuses values without a service map, or whose callees are not a list', () => {
    expect(() => withCallee('callees: []\n', callee, 'values.yaml')).toThrow('values.yaml: has no "service:" map to add the callee orders-api to');
    expect(() => withCallee('service:\n  callees: {}\n', callee, 'values.yaml')).toThrow('values.yaml: service.callees is not a list; add orders-api to it by hand');
  });

  it('refuses to rewrite a file it cannot keep as written', () => {
    expect(() => withCallee('service:\n  callees:   []\n', callee, 'values.yaml')).toThrow(/cannot add the callee orders-api without reformatting the file/);
  });
});

import { containerHealthPort, containerPort, portLayout, rehearsalPorts, servicePort, serviceUrls, telemetryPort } from './ports';

const apps = ['storefront', 'catalog-api', 'checkout-api'];

describe('port layout', () => {
  const layout = portLayout(18000, apps);

  it('gives every environment and app its own Service port, two container ports and their health ports, all distinct', () => {
    expect(servicePort(layout, 'dev', 'catalog-api')).toBe(18000);
    expect(servicePort(layout, 'staging', 'storefront')).toBe(18012);
    expect([containerPort(layout, 'prod', 'checkout-api', 0), containerPort(layout, 'prod', 'checkout-api', 1)]).toEqual([18142, 18143]);
    expect(containerHealthPort(18143)).toBe(18243);
    expect(telemetryPort(layout)).toBe(18090);
    const all = rehearsalPorts(layout, ['dev', 'staging', 'prod']);
    expect(new Set(all).size).toBe(all.length);
    // telemetry; per environment and app: the Service port, two container ports and their two health ports
    expect(all).toHaveLength(1 + 3 * 3 * 5);
  });

  it('gives loopback URLs per app', () => {
    expect(serviceUrls(layout, 'prod')).toEqual({ 'catalog-api': 'http://127.0.0.1:18020', 'checkout-api': 'http://127.0.0.1:18021', storefront: 'http://127.0.0.1:18022' });
  });

  it('rejects a base that leaves no room, more apps than the layout holds, and an unknown app', () => {
    expect(() => portLayout(80, apps)).toThrow('--port-base 80');
    expect(() => portLayout(65_500, apps)).toThrow('--port-base 65500');
    expect(() => portLayout(18000, Array.from({ length: 11 }, (_, i) => `app-${i}`))).toThrow('holds 10 apps');
    expect(() => servicePort(layout, 'dev', 'nope')).toThrow('nope is not one of the rehearsed apps');
  });
});

import { maxServiceNameLength, reservedServiceNames, serviceNameProblems, suggestServiceName } from './service-name';

describe('serviceNameProblems', () => {
  it.each(['orders-api', 'a', 'b2b', 'payments-v2', 'x'.repeat(maxServiceNameLength)])('accepts %s', (name) => {
    expect(serviceNameProblems(name)).toEqual([]);
  });

  it.each([
    ['Orders-Api', /uppercase letters \("O", "A"\)/],
    ['orders api', /contains spaces/],
    ['orders_api', /contains "_": only lowercase letters, digits and hyphens/],
    ['orders.api', /contains "\."/],
    ['2fa-api', /starts with a digit/],
    ['-orders', /starts or ends with a hyphen/],
    ['orders-', /starts or ends with a hyphen/],
    ['x'.repeat(maxServiceNameLength + 1), /is 54 characters long: at most 53/],
    ['kube-proxy', /starts with "kube-"/],
    ['', /a service name is required/],
    ['   ', /a service name is required/],
  ])('rejects %j', (name, message) => {
    const problems = serviceNameProblems(name);
    expect(problems.join('\n')).toMatch(message);
  });

  it.each(['common', 'environments', 'tools', 'shipyard', 'test', 'default', 'node_modules'])('rejects the reserved word %s, saying why', (name) => {
    expect(serviceNameProblems(name)).toContain(`is reserved: ${reservedServiceNames[name]}`);
  });

  it('lists every problem of a name at once', () => {
    expect(serviceNameProblems('9 Lives')).toEqual([
      'contains uppercase letters ("L"): service names are lowercase',
      'contains spaces: join words with hyphens',
      'starts with a digit: a Kubernetes Service name must start with a letter',
    ]);
  });
});

describe('suggestServiceName', () => {
  it.each([
    ['Orders API', 'orders-api'],
    ['OrdersApi', 'orders-api'],
    ['orders_api', 'orders-api'],
    [' orders ', 'orders'],
  ])('suggests %j → %s', (typed, suggestion) => {
    expect(suggestServiceName(typed)).toBe(suggestion);
  });

  it.each(['9lives', 'Common', 'orders-api'])('suggests nothing for %j (no valid name close to it, or already valid)', (typed) => {
    expect(suggestServiceName(typed)).toBeUndefined();
  });
});

import { backoffDelayMs, isIdempotent } from './retry';

describe('backoffDelayMs', () => {
  const options = { baseMs: 100, maxMs: 1000 };

  it('grows the ceiling exponentially up to the cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, options, () => 0.999_999));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('jitters within [0, ceiling)', () => {
    expect(backoffDelayMs(2, options, () => 0)).toBe(0);
    expect(backoffDelayMs(2, options, () => 0.5)).toBe(200);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(3, options);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(800);
    }
  });
});

describe('isIdempotent', () => {
  it.each(['GET', 'get', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])('%s is retried', (method) => {
    expect(isIdempotent(method)).toBe(true);
  });
  it.each(['POST', 'PATCH'])('%s is not', (method) => {
    expect(isIdempotent(method)).toBe(false);
  });
});

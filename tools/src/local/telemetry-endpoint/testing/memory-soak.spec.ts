import fc from 'fast-check';
import { slopePer10k, type MemorySample } from './memory-soak';

/** One sample per 500 requests up to `total`, the figure given by `mib(requests, index)`. */
const series = (total: number, mib: (requests: number, index: number) => number): MemorySample[] =>
  Array.from({ length: total / 500 + 1 }, (_, i) => ({ requests: i * 500, mib: mib(i * 500, i) }));

describe('slopePer10k', () => {
  it('ignores warm-up growth and sees a flat, garbage-collected heap after it as flat', () => {
    // 40 MiB of growth over the first 20k requests, then a sawtooth of ±4 MiB (young-generation GCs).
    const samples = series(60_000, (requests, i) => 100 + Math.min(requests, 20_000) / 500 + (i % 4) * 2 - 3);
    expect(Math.abs(slopePer10k(samples, 20_000))).toBeLessThan(0.2);
    // Counting the warm-up in would call the same service leaky.
    expect(slopePer10k(samples, 0)).toBeGreaterThan(3);
  });

  it('finds a leak of 200 bytes per request (1.9 MiB per 10k) under the same noise', () => {
    const samples = series(60_000, (requests, i) => 150 + (requests * 200) / 1024 / 1024 + (i % 4) * 2 - 3);
    expect(slopePer10k(samples, 20_000)).toBeCloseTo((10_000 * 200) / 1024 / 1024, 1);
  });

  it('is not moved by a few high samples (a full export queue at a handful of collections)', () => {
    const flat = series(60_000, (requests, i) => 40 + (i % 4) * 0.5);
    // Four samples near the end 4 MiB high: least squares would read 0.28 MiB/10k.
    const spiked = flat.map((s, i) => (i > flat.length - 6 && i < flat.length - 1 ? { ...s, mib: s.mib + 4 } : s));
    expect(Math.abs(slopePer10k(spiked, 20_000))).toBeLessThan(0.1);
  });

  it('recovers any linear growth exactly', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 20, max: 500, noNaN: true }), (slope, start) => {
        const samples = series(40_000, (requests) => start + (slope * requests) / 10_000);
        expect(slopePer10k(samples, 10_000)).toBeCloseTo(slope, 6);
      }),
    );
  });

  it('refuses to judge from too few samples or too short a span after warm-up', () => {
    expect(() => slopePer10k(series(10_000, () => 100), 9_000)).toThrow(/at least 5 samples after warm-up \(9000 requests\); got 3 of 21/);
    const clustered = [...series(20_000, () => 100), ...[1, 2, 3, 4, 5].map((k) => ({ requests: 20_000 + k, mib: 100 }))];
    expect(() => slopePer10k(clustered, 20_000)).toThrow(/span only 5 requests/);
  });
});

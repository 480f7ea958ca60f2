import { type BenchmarkRow, formatBenchmark } from './image-builds';

const row: BenchmarkRow = {
  app: 'catalog-api',
  imageBytes: 146_800_000,
  naiveBytes: 855_900_000,
  sizeRatio: 0.1715,
  coldSeconds: 152.4,
  rebuildSeconds: 6,
  timeRatio: 0.0394,
  dependenciesFromCache: true,
  coldEngine: {
    noCacheSeconds: 187.8,
    noCacheBytesPulled: 134_300_000,
    registryCacheSeconds: 9.4,
    registryCacheBytesPulled: 50_500_000,
    stepsReused: 6,
    steps: 7,
    dependenciesFromCache: true,
    timeRatio: 0.05,
  },
};

describe('benchmark table', () => {
  it('prints the warm-engine figures, then both empty-engine builds with bytes pulled, layers reused and the ratio', () => {
    const lines = formatBenchmark([row, { ...row, app: 'storefront', coldEngine: { ...row.coldEngine, dependenciesFromCache: false } }]).split('\n');
    expect(lines[0]).toContain('warm');
    expect(lines[2].split(/\s{2,}/)).toEqual(['catalog-api', '146.8', '855.9', '0.172', '152.4', '6.0', '0.039', 'yes', '']);
    expect(lines[5]).toContain('Target: time ratio (registry cache / no cache) <= 0.3');
    expect(lines[6].split(/\s{2,}/)).toEqual(['service', 'no cache s', 'pulled MB', 'registry cache s', 'pulled MB', 'layers reused', 'npm ci cached', 'time ratio']);
    expect(lines[7].split(/\s{2,}/)).toEqual(['catalog-api', '187.8', '134.3', '9.4', '50.5', '6/7', 'yes', '0.050', '']);
    expect(lines[8]).toMatch(/^storefront .* NO /);
  });
});

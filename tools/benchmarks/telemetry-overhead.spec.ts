import { featureVariants, parseWrk, processCpuTicks, summarise, targetsOf, type RoundFigures } from './telemetry-overhead';

const wrkOutput = `Running 8s test @ http://127.0.0.1:41234/products/house-espresso-beans
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  420.11us  12.03ms   91.20%
    Req/Sec     6.61k   310.22     7.01k    80.00%
  Latency Distribution
     50%    1.43ms
     75%    1.61ms
     90%    1.90ms
     99%  850.00us
  52617 requests in 8.00s, 25.67MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   6576.80
Transfer/sec:      3.21MB
`;

describe('parseWrk', () => {
  it('reads requests, throughput, p50/p99 in ms and counts non-2xx and socket errors as failures', () => {
    expect(parseWrk(wrkOutput)).toEqual({ requests: 52617, requestsPerSecond: 6576.8, p50Ms: 1.43, p99Ms: 0.85, failures: 7 });
  });

  it('refuses output it does not understand', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/unexpected wrk output/);
  });
});

describe('processCpuTicks', () => {
  it('adds utime and stime, also when the command name holds spaces and parentheses', () => {
    const stat = '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 11 0 100 0 0';
    expect(processCpuTicks(4242, stat)).toBe(1234 + 567);
  });
});

describe('summarise and targetsOf', () => {
  const round = (rps: number, p99: number, cpu: number): RoundFigures => ({ requestsPerSecond: rps, p50Ms: 1, p99Ms: p99, cpuMicrosPerRequest: cpu, failures: 0 });

  it('takes medians, ratios against off and per-round ratios against the off of the same round', () => {
    const [off, on] = summarise(['off', 'on'], [
      [round(1000, 3, 100), round(800, 4, 110), round(900, 5, 120)],
      [round(900, 4, 130), round(600, 6, 150), round(810, 5, 140)],
    ]);
    expect(off).toMatchObject({ requestsPerSecond: 900, throughputRatio: 1, p99Ms: 4, cpuMicrosPerRequest: 110 });
    expect(on).toMatchObject({ requestsPerSecond: 810, throughputRatio: 0.9, throughputRatioRange: [0.75, 0.9], p99DeltaMs: 1, cpuMicrosAboveOff: 30, requestsPerSecondRange: [600, 900] });
  });

  it('meets the targets only with default sampling ≥ 0.85× and p99 ≤ +2 ms, and full sampling ≥ 0.6×', () => {
    const figures = (defaults: number, p99: number, full: number) =>
      summarise(['off', 'defaults', 'full'], [[round(1000, 5, 100)], [round(defaults, p99, 120)], [round(full, 9, 160)]]);
    expect(targetsOf(figures(900, 6, 700))).toEqual({ defaultSamplingRatio: 0.9, defaultSamplingP99DeltaMs: 1, fullSamplingRatio: 0.7, met: true });
    expect(targetsOf(figures(840, 6, 700)).met).toBe(false);
    expect(targetsOf(figures(900, 7.5, 700)).met).toBe(false);
    expect(targetsOf(figures(900, 6, 590)).met).toBe(false);
  });
});

describe('featureVariants', () => {
  it('adds one feature per row, with the export stubbed until the exporter row, then prices OpenTelemetry\'s incoming instrumentation', () => {
    const rows = featureVariants();
    expect(rows.map((r) => r.name).slice(0, 4)).toEqual(['off', 'SDK, every feature off', '+ http', '+ standardMetrics']);
    expect(rows[1].env['TELEMETRY_FEATURES']).toBe('none');
    expect(rows[3].env['TELEMETRY_FEATURES']).toBe('http,standardMetrics');
    const exporterRow = rows.findIndex((r) => r.name.startsWith('+ exporter'));
    expect(rows.slice(1, exporterRow).every((r) => r.stubExport)).toBe(true);
    expect(rows[exporterRow].stubExport).toBeUndefined();
    expect(rows[exporterRow].env['TELEMETRY_FEATURES']).not.toContain('httpMetrics');
    expect(rows[exporterRow + 1].env['TELEMETRY_FEATURES']).toBe(`${rows[exporterRow].env['TELEMETRY_FEATURES']},httpMetrics`);
  });
});

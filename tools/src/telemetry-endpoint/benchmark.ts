import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateCertificate } from './certificate';
import { startTelemetryEndpoint } from './server';
import { startService } from './testing/service-process';

// autocannon ships no types; this is the slice of its API and result used here.
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<{
  requests: { average: number };
  latency: { p99: number; p50: number };
  non2xx: number;
  errors: number;
}>;

export interface BenchmarkOptions {
  durationSeconds: number;
  connections: number;
  /** Rounds per mode, interleaved off/on so drift on a shared machine hits both alike. */
  rounds: number;
  /** 'full' records every request (worst case); 'default' keeps the SDK's 5 traces/s rate limit. */
  sampling: 'full' | 'default';
  certDir: string;
  progress: (line: string) => void;
}

export interface ModeFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export interface BenchmarkResult {
  off: ModeFigures;
  on: ModeFigures;
  throughputRatio: number;
  p99DeltaMs: number;
  envelopesReceived: number;
  meetsTarget: boolean;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * catalog-api under loopback load with telemetry off and on (exporting to a local endpoint), in
 * one run. Target: on ≥ 0.85× the throughput of off, p99 at most 2 ms higher.
 */
export async function runTelemetryBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'telemetry-bench-'));
  const cert = await loadOrCreateCertificate(options.certDir);
  const endpoint = await startTelemetryEndpoint({ port: 0, dataFile: path.join(dir, 'envelopes.jsonl'), key: cert.key, cert: cert.cert, memoryLimit: 10_000 });
  const common = { LOG_LEVEL: 'warn' };
  const on = {
    ...common,
    APPLICATIONINSIGHTS_CONNECTION_STRING: endpoint.connectionString,
    NODE_EXTRA_CA_CERTS: cert.certPath,
    ...(options.sampling === 'full' ? { TELEMETRY_TRACES_PER_SECOND: '0' } : {}),
  };
  const services = { off: await startService('catalog-api', common), on: await startService('catalog-api', on) };
  try {
    const figures: Record<'off' | 'on', ModeFigures[]> = { off: [], on: [] };
    const hit = async (url: string, duration: number) =>
      autocannon({ url: `${url}/products/house-espresso-beans`, connections: options.connections, duration });
    options.progress('warming up both services');
    await hit(services.off.url, 2);
    await hit(services.on.url, 2);
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        const r = await hit(services[mode].url, options.durationSeconds);
        const f = { requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, failures: r.non2xx + r.errors };
        figures[mode].push(f);
        options.progress(`round ${round} telemetry ${mode}: ${f.requestsPerSecond.toFixed(0)} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, failures ${f.failures}`);
      }
    }
    const summary = (list: ModeFigures[]): ModeFigures => ({
      requestsPerSecond: median(list.map((f) => f.requestsPerSecond)),
      p50Ms: median(list.map((f) => f.p50Ms)),
      p99Ms: median(list.map((f) => f.p99Ms)),
      failures: list.reduce((sum, f) => sum + f.failures, 0),
    });
    const off = summary(figures.off);
    const onFigures = summary(figures.on);
    const throughputRatio = Math.round((onFigures.requestsPerSecond / off.requestsPerSecond) * 1000) / 1000;
    const p99DeltaMs = onFigures.p99Ms - off.p99Ms;
    return {
      off,
      on: onFigures,
      throughputRatio,
      p99DeltaMs,
      envelopesReceived: endpoint.envelopes().length,
      meetsTarget: throughputRatio >= 0.85 && p99DeltaMs <= 2 && off.failures + onFigures.failures === 0,
    };
  } finally {
    await Promise.allSettled([services.off.stop(), services.on.stop()]);
    await endpoint.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

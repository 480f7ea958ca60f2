import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../src/cli/errors';
import { runCommand } from '../src/process/run-command';
import { loadOrCreateCertificate } from '../src/local/telemetry-endpoint/certificate';
import { startTelemetryEndpoint } from '../src/local/telemetry-endpoint/server';
import { startService, type ServiceProcess } from '../src/local/telemetry-endpoint/testing/service-process';

/**
 * catalog-api under loopback load, telemetry off against telemetry on in several configurations,
 * measured so that a shared 2-core machine still gives comparable figures:
 * - the service is pinned to one core, the load generator (wrk, or autocannon in its own process)
 *   and this process (which hosts the ingestion endpoint) to the other, so export work, load
 *   generation and TLS termination never steal the service's core;
 * - every configuration runs as its own process, all started before the first round, and the
 *   rounds interleave them in a rotating order, so drift (other work on the machine) hits all alike;
 * - medians over the rounds, with the spread (min–max) reported next to them;
 * - CPU per request from the service's /proc/<pid>/stat (utime + stime) over each round, which
 *   contention on the machine disturbs far less than throughput.
 */

export interface Variant {
  name: string;
  /** Environment of the service; telemetry variants get the connection string added. */
  env: Record<string, string>;
  telemetry: boolean;
  /** The Azure Monitor exporters report success without sending (see testing/no-export.cjs). */
  stubExport?: boolean;
}

export interface RoundFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  failures: number;
}

export interface VariantFigures {
  name: string;
  rounds: RoundFigures[];
  requestsPerSecond: number;
  requestsPerSecondRange: [number, number];
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  cpuMicrosPerRequestRange: [number, number];
  failures: number;
  /** Median throughput / median throughput of `off`. */
  throughputRatio: number;
  /** min–max of the per-round ratio against `off` measured in the same round. */
  throughputRatioRange: [number, number];
  p99DeltaMs: number;
  /** CPU µs per request above `off`. */
  cpuMicrosAboveOff: number;
}

export interface BenchmarkOptions {
  durationSeconds: number;
  connections: number;
  rounds: number;
  /** 'targets': off, shipped defaults with default and with full sampling. 'features': the per-feature table. */
  table: 'targets' | 'features';
  loadGenerator: 'wrk' | 'autocannon';
  serviceCpu: number;
  loadCpu: number;
  certDir: string;
  progress: (line: string) => void;
}

export interface Targets {
  defaultSamplingRatio: number;
  defaultSamplingP99DeltaMs: number;
  fullSamplingRatio: number;
  met: boolean;
}

export interface BenchmarkResult {
  variants: VariantFigures[];
  targets?: Targets;
  envelopesReceived: number;
  loadAverage: string;
}

const fullSampling = { TELEMETRY_TRACES_PER_SECOND: '0' };
/** The shipped collectors plus log collection, in the order the table adds them. */
const steps = ['http', 'standardMetrics', 'performanceCounters', 'logs', 'undici', 'libraries', 'spanProcessors'];

/**
 * Cumulative: each row adds one feature to the row above it, the export stubbed; then the real
 * exporter; then, on top of every feature, `httpMetrics`, which also hands incoming requests
 * back to OpenTelemetry's HttpInstrumentation: the row prices that instrumentation against ours.
 */
export function featureVariants(): Variant[] {
  const rows: Variant[] = [
    { name: 'off', env: {}, telemetry: false },
    { name: 'SDK, every feature off', env: { ...fullSampling, TELEMETRY_FEATURES: 'none' }, telemetry: true, stubExport: true },
  ];
  steps.forEach((step, i) =>
    rows.push({ name: `+ ${step}`, env: { ...fullSampling, TELEMETRY_FEATURES: steps.slice(0, i + 1).join(',') }, telemetry: true, stubExport: true }),
  );
  rows.push({ name: '+ exporter (every feature, full sampling)', env: { ...fullSampling, TELEMETRY_FEATURES: steps.join(',') }, telemetry: true });
  rows.push({ name: '+ httpMetrics (OpenTelemetry HttpInstrumentation for incoming requests)', env: { ...fullSampling, TELEMETRY_FEATURES: [...steps, 'httpMetrics'].join(',') }, telemetry: true });
  rows.push(...targetVariants().slice(1));
  return rows;
}

/** off and the shipped defaults (no TELEMETRY_FEATURES), with default and with full sampling. */
export function targetVariants(): Variant[] {
  return [
    { name: 'off', env: {}, telemetry: false },
    { name: 'defaults, default sampling', env: {}, telemetry: true },
    { name: 'defaults, full sampling', env: { ...fullSampling }, telemetry: true },
  ];
}

export async function runTelemetryBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  if (availableParallelism() < 2 || Math.max(options.serviceCpu, options.loadCpu) >= availableParallelism())
    throw new CliError(`the benchmark pins the service and the load to different cores: needs cores ${options.serviceCpu} and ${options.loadCpu}, this machine has ${availableParallelism()}`, ExitCode.usage);
  if (options.serviceCpu === options.loadCpu) throw new CliError('--service-cpu and --load-cpu must differ', ExitCode.usage);
  // This process hosts the ingestion endpoint: keep it (and its TLS and JSON work) off the service's core.
  await runCommand('taskset', ['-a', '-p', '-c', String(options.loadCpu), String(process.pid)]);
  const dir = mkdtempSync(path.join(tmpdir(), 'telemetry-bench-'));
  const cert = await loadOrCreateCertificate(options.certDir);
  const endpoint = await startTelemetryEndpoint({ port: 0, dataFile: path.join(dir, 'envelopes.jsonl'), key: cert.key, cert: cert.cert, memoryLimit: 10_000 });
  const variants = options.table === 'features' ? featureVariants() : targetVariants();
  const services: ServiceProcess[] = [];
  try {
    for (const variant of variants) {
      options.progress(`starting catalog-api: ${variant.name}`);
      const env = {
        LOG_LEVEL: 'warn',
        ...(variant.telemetry ? { APPLICATIONINSIGHTS_CONNECTION_STRING: endpoint.connectionString, NODE_EXTRA_CA_CERTS: cert.certPath } : {}),
        ...variant.env,
      };
      services.push(
        await startService('catalog-api', env, {
          telemetry: variant.telemetry,
          requires: variant.stubExport ? [path.join(__dirname, '..', 'src', 'local', 'telemetry-endpoint', 'testing', 'no-export.cjs')] : [],
          launcher: ['taskset', '-c', String(options.serviceCpu)],
          // Many processes loading the SDK on one core of a busy machine start slowly.
          readyTimeoutMs: 120_000,
        }),
      );
    }
    const load = (service: ServiceProcess, seconds: number) => measure(service, seconds, options);
    options.progress('warming up every service');
    for (const service of services) await load(service, 2);
    const rounds: RoundFigures[][] = variants.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < variants.length; k++) {
        // Rotating start: no configuration always runs first (or right after the same neighbour).
        const i = (k + round) % variants.length;
        const figures = await load(services[i], options.durationSeconds);
        rounds[i].push(figures);
        options.progress(
          `round ${round + 1} ${variants[i].name}: ${figures.requestsPerSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, ${figures.cpuMicrosPerRequest.toFixed(0)} µs CPU/request, failures ${figures.failures}`,
        );
      }
    }
    const summary = summarise(variants.map((v) => v.name), rounds);
    return {
      variants: summary,
      targets: options.table === 'targets' ? targetsOf(summary) : undefined,
      envelopesReceived: endpoint.envelopes().length,
      loadAverage: readFileSync('/proc/loadavg', 'utf8').trim(),
    };
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    await endpoint.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const range = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Medians per variant and ratios against the first variant (off), round by round. */
export function summarise(names: string[], rounds: RoundFigures[][]): VariantFigures[] {
  const off = rounds[0];
  const offRps = median(off.map((f) => f.requestsPerSecond));
  const offP99 = median(off.map((f) => f.p99Ms));
  const offCpu = median(off.map((f) => f.cpuMicrosPerRequest));
  return names.map((name, i) => {
    const list = rounds[i];
    const rps = median(list.map((f) => f.requestsPerSecond));
    const cpu = median(list.map((f) => f.cpuMicrosPerRequest));
    const p99 = median(list.map((f) => f.p99Ms));
    return {
      name,
      rounds: list,
      requestsPerSecond: rps,
      requestsPerSecondRange: range(list.map((f) => f.requestsPerSecond)),
      p50Ms: median(list.map((f) => f.p50Ms)),
      p99Ms: p99,
      cpuMicrosPerRequest: cpu,
      cpuMicrosPerRequestRange: range(list.map((f) => f.cpuMicrosPerRequest)),
      failures: list.reduce((sum, f) => sum + f.failures, 0),
      throughputRatio: round3(rps / offRps),
      throughputRatioRange: range(list.map((f, r) => round3(f.requestsPerSecond / off[r].requestsPerSecond))),
      p99DeltaMs: Math.round((p99 - offP99) * 100) / 100,
      cpuMicrosAboveOff: Math.round(cpu - offCpu),
    };
  });
}

/** Default sampling ≥ 0.85× off with p99 at most 2 ms higher; full sampling ≥ 0.6× off; no failures. */
export function targetsOf(figures: VariantFigures[]): Targets {
  const [off, defaults, full] = figures;
  return {
    defaultSamplingRatio: defaults.throughputRatio,
    defaultSamplingP99DeltaMs: defaults.p99DeltaMs,
    fullSamplingRatio: full.throughputRatio,
    met: defaults.throughputRatio >= 0.85 && defaults.p99DeltaMs <= 2 && full.throughputRatio >= 0.6 && figures.every((f) => f.failures === 0) && off !== undefined,
  };
}

/** One round against one service: load from the other core, CPU from /proc around it. */
async function measure(service: ServiceProcess, seconds: number, options: BenchmarkOptions): Promise<RoundFigures> {
  const url = `${service.url}/products/house-espresso-beans`;
  const before = processCpuTicks(service.pid);
  const result =
    options.loadGenerator === 'wrk'
      ? parseWrk(
          (await runCommand('taskset', ['-c', String(options.loadCpu), 'wrk', '-t1', `-c${options.connections}`, `-d${seconds}s`, '--latency', url])).stdout,
        )
      : parseAutocannon(
          (
            await runCommand('taskset', [
              '-c',
              String(options.loadCpu),
              process.execPath,
              require.resolve('autocannon/autocannon.js'),
              '-j',
              '-c',
              String(options.connections),
              '-d',
              String(seconds),
              url,
            ])
          ).stdout,
        );
  const ticks = processCpuTicks(service.pid) - before;
  return {
    requestsPerSecond: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    failures: result.failures,
    cpuMicrosPerRequest: result.requests > 0 ? (ticks * 1_000_000) / clockTicksPerSecond / result.requests : 0,
  };
}

/** USER_HZ: 100 on every Linux the project runs on (x86-64 and arm64 kernels). */
const clockTicksPerSecond = 100;

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuTicks(pid: number, stat = readFileSync(`/proc/${pid}/stat`, 'utf8')): number {
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

const toMs = (value: string): number => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) throw new Error(`unexpected wrk latency '${value}'`);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
};

/** The figures of `wrk --latency` output. */
export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => {
    const m = pattern.exec(output);
    if (!m) throw new Error(`unexpected wrk output (no ${pattern}):\n${output}`);
    return m;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(number(/(\d+) requests in/)[1]),
    requestsPerSecond: Number(number(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50Ms: toMs(number(/^\s+50%\s+(\S+)/m)[1]),
    p99Ms: toMs(number(/^\s+99%\s+(\S+)/m)[1]),
    failures: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0) + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

/** The figures of `autocannon -j` output. */
export function parseAutocannon(output: string): LoadResult {
  const r = JSON.parse(output) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  return { requests: r.requests.total, requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, failures: r.non2xx + r.errors };
}

/** The table for the README: one row per variant. */
export function formatTable(result: BenchmarkResult): string {
  const f1 = (n: number) => n.toFixed(0);
  const lines = [
    '| configuration | req/s (median, min–max) | × off (min–max per round) | p50 ms | p99 ms | CPU µs/request (min–max) | µs above off |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const v of result.variants) {
    lines.push(
      `| ${v.name} | ${f1(v.requestsPerSecond)} (${f1(v.requestsPerSecondRange[0])}–${f1(v.requestsPerSecondRange[1])}) | ${v.throughputRatio.toFixed(2)} (${v.throughputRatioRange[0].toFixed(2)}–${v.throughputRatioRange[1].toFixed(2)}) | ${v.p50Ms.toFixed(2)} | ${v.p99Ms.toFixed(2)} | ${f1(v.cpuMicrosPerRequest)} (${f1(v.cpuMicrosPerRequestRange[0])}–${f1(v.cpuMicrosPerRequestRange[1])}) | ${v.cpuMicrosAboveOff >= 0 ? '+' : ''}${v.cpuMicrosAboveOff} |`,
    );
  }
  return lines.join('\n');
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { median } from 'simple-statistics';
import type { ServiceProcess } from './service-process';

// autocannon ships no types; the slice of its tracker used here is typed below.
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => AutocannonTracker;
interface AutocannonTracker extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: () => void): void;
  stop(): void;
}
export interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p99: number };
}

/** Preload for the service under soak (with SHIPYARD_HEAP_PROBE_FILE): the heap outside the young generation after each major GC. */
export const heapProbePath = path.join(__dirname, 'heap-probe.cjs');

/** A memory figure of the service after `requests` responses. */
export interface MemorySample {
  requests: number;
  mib: number;
}

export interface MemorySeries {
  samples: MemorySample[];
  /** Growth after warm-up, MiB per 10,000 requests (slopePer10k). */
  slopeMiBPer10k: number;
}

export interface SoakResult {
  load: AutocannonResult;
  /** Resident set, from /proc, every `sampleEveryMs`. */
  rss: MemorySeries;
  /** Heap in use outside the young generation after each major GC, when the service runs with the heap probe. */
  heap?: MemorySeries;
  warmupRequests: number;
}

export interface SoakOptions {
  url: string;
  requests: number;
  /** Requests before this many are warm-up: V8 grows its heap towards its working size there. */
  warmupRequests: number;
  connections?: number;
  sampleEveryMs?: number;
  /** The soak is bounded in time as well as in requests: past this it stops and fails. */
  timeoutMs: number;
  /** The file the service's heap probe appends to (SHIPYARD_HEAP_PROBE_FILE). */
  heapProbeFile?: string;
}

/**
 * Growth after warm-up in MiB per 10,000 requests: the Theil–Sen estimate, the median of the
 * slopes between every pair of samples. A fit over many samples, rather than last-minus-first,
 * so that no single sample decides; the median rather than least squares, so that a few samples
 * taken while the export queue was full (up to 2,048 spans held) do not either.
 */
/** The samples taken once `warmupRequests` responses had been counted. */
export function afterWarmup(samples: readonly MemorySample[], warmupRequests: number): MemorySample[] {
  return samples.filter((s) => s.requests >= warmupRequests);
}

export function slopePer10k(samples: readonly MemorySample[], warmupRequests: number): number {
  const settled = afterWarmup(samples, warmupRequests);
  if (settled.length < 5) throw new Error(`a slope needs at least 5 samples after warm-up (${warmupRequests} requests); got ${settled.length} of ${samples.length}`);
  if (settled[settled.length - 1].requests - settled[0].requests < warmupRequests / 2)
    throw new Error(`the samples after warm-up span only ${settled[settled.length - 1].requests - settled[0].requests} requests`);
  const slopes: number[] = [];
  for (let i = 0; i < settled.length; i++)
    for (let j = i + 1; j < settled.length; j++)
      if (settled[j].requests !== settled[i].requests) slopes.push((settled[j].mib - settled[i].mib) / (settled[j].requests - settled[i].requests));
  return median(slopes) * 10_000;
}

/** The heap figures (bytes, one per line) the probe has appended so far. */
function probeLines(file: string | undefined): number[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

/**
 * A fixed number of requests against one service, its RSS sampled (from /proc) as they complete
 * and, with the heap probe, the heap left after each major GC, attributed to the responses counted so far.
 */
export async function soak(service: ServiceProcess, options: SoakOptions): Promise<SoakResult> {
  let responses = 0;
  const rss: MemorySample[] = [];
  const heap: MemorySample[] = [];
  const collect = () => {
    rss.push({ requests: responses, mib: service.rssMiB() });
    for (const bytes of probeLines(options.heapProbeFile).slice(heap.length)) heap.push({ requests: responses, mib: bytes / 1024 / 1024 });
  };
  const tracker = autocannon({ url: options.url, connections: options.connections ?? 8, amount: options.requests, timeout: 5 });
  tracker.on('response', () => responses++);
  const sampler = setInterval(collect, options.sampleEveryMs ?? 100);
  let timedOut = false;
  const bound = setTimeout(() => {
    timedOut = true;
    tracker.stop();
  }, options.timeoutMs);
  try {
    const load = await tracker;
    if (timedOut) throw new Error(`the soak did not finish ${options.requests} requests within ${options.timeoutMs} ms (${responses} done)`);
    collect();
    const series = (samples: MemorySample[]): MemorySeries => ({ samples, slopeMiBPer10k: slopePer10k(samples, options.warmupRequests) });
    return { load, rss: series(rss), heap: options.heapProbeFile ? series(heap) : undefined, warmupRequests: options.warmupRequests };
  } finally {
    clearInterval(sampler);
    clearTimeout(bound);
  }
}

'use strict';
// Preloaded into a service under soak: after every major (mark-compact) garbage collection it
// appends the heap still in use, in bytes, to SHIPYARD_HEAP_PROBE_FILE. That is the live heap,
// the figure a leak moves; RSS alone hides a leak inside pages V8 already holds.
const { appendFileSync } = require('node:fs');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const file = process.env.SHIPYARD_HEAP_PROBE_FILE;
if (!file) throw new Error('heap-probe.cjs needs SHIPYARD_HEAP_PROBE_FILE');
new PerformanceObserver((list) => {
  if (list.getEntries().some((entry) => entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) appendFileSync(file, `${process.memoryUsage().heapUsed}\n`);
}).observe({ entryTypes: ['gc'] });

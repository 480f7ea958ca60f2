'use strict';
// Preloaded into a service under soak: after every major (mark-compact) garbage collection it
// appends the heap still in use outside the young generation, in bytes, to
// SHIPYARD_HEAP_PROBE_FILE. That is the memory a leak moves; RSS alone hides a leak inside
// pages V8 already holds. The young generation is left out because the observer runs a little
// after the collection, when new objects have already been allocated there.
const { appendFileSync } = require('node:fs');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const v8 = require('node:v8');

const file = process.env.SHIPYARD_HEAP_PROBE_FILE;
if (!file) throw new Error('heap-probe.cjs needs SHIPYARD_HEAP_PROBE_FILE');
const youngSpaces = new Set(['new_space', 'new_large_object_space']);
new PerformanceObserver((list) => {
  if (!list.getEntries().some((entry) => entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
  const retained = v8
    .getHeapSpaceStatistics()
    .filter((space) => !youngSpaces.has(space.space_name))
    .reduce((sum, space) => sum + space.space_used_size, 0);
  appendFileSync(file, `${retained}\n`);
}).observe({ entryTypes: ['gc'] });

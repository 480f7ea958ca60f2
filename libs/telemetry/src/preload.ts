/**
 * Loaded with `node --require @shipyard/telemetry/preload dist/main.js`, before any of the
 * service's modules: instrumentation hooks `require`, so http, express and friends must be
 * loaded after this runs to be seen (see README).
 */
import { startTelemetry } from './start';

startTelemetry({ entryScript: process.argv[1] });

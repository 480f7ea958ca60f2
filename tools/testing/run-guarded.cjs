#!/usr/bin/env node
// Runs a command (the test suite) with the loopback guard preloaded into every Node process
// it starts, then fails if any process tried to reach beyond loopback, naming the address.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: run-guarded.cjs <command> [args…]');
  process.exit(2);
}
const reportDir = path.join(root, 'reports');
fs.mkdirSync(reportDir, { recursive: true });
const report = path.join(reportDir, 'network-guard.jsonl');
fs.writeFileSync(report, '');

const guard = path.join(__dirname, 'loopback-guard.cjs');
const env = {
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${guard}`.trim(),
  SHIPYARD_NETGUARD_REPORT: report,
};
const bin = path.join(root, 'node_modules', '.bin', command);
const run = spawnSync(fs.existsSync(bin) ? bin : command, args, { stdio: 'inherit', env, cwd: root });

const attempts = fs.readFileSync(report, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
if (attempts.length > 0) {
  console.error(`\nnetwork guard: ${attempts.length} attempt(s) to reach beyond loopback during the run:`);
  for (const a of attempts.slice(0, 20)) console.error(`  ${a.what} ${a.target}  (${a.argv.join(' ')})`);
  process.exit(1);
}
console.log('network guard: no connection beyond loopback during the run');
process.exit(run.status ?? 1);

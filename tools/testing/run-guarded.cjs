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

// JUnit reports of this run only: the totals printed at the end count what ran now.
const junitDir = path.join(reportDir, 'junit');
fs.rmSync(junitDir, { recursive: true, force: true });

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
} else {
  console.log('network guard: no connection beyond loopback during the run');
}
// The guard counts as one more check, so its failure shows in the closing line too.
printJunitTotals(attempts.length > 0 ? 1 : 0, run.status !== 0);
process.exit(attempts.length > 0 ? 1 : (run.status ?? 1));

/** One closing line over every JUnit report the run wrote (tasks restored from the Nx cache wrote none). */
function printJunitTotals(extraFailures, commandFailed) {
  let tests = extraFailures;
  let failed = extraFailures;
  let skipped = 0;
  const files = fs.existsSync(junitDir) ? fs.readdirSync(junitDir).filter((f) => f.endsWith('.xml')) : [];
  for (const file of files) {
    const xml = fs.readFileSync(path.join(junitDir, file), 'utf8');
    const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
    const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
    tests += attr('tests');
    failed += attr('failures') + attr('errors');
    skipped += (xml.match(/<skipped\s*\/>/g) ?? []).length;
  }
  if (commandFailed && failed === 0) {
    // A lint, build or setup failure writes no test report: count it so the totals never read green.
    console.log('the command failed outside the test reports (lint, build or a test process that did not report): counted as one failure');
    tests += 1;
    failed += 1;
  }
  console.log(`\njunit reports: ${files.length} (reports/junit; tasks restored from the Nx cache are not counted)`);
  console.log(`tests: ${tests - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
}

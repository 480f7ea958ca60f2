#!/usr/bin/env node
// The one bootstrap behind `npm start`, `npm run rehearse` and `npm test`: from a fresh clone on a
// machine whose first `node` is not the pinned one and where no Docker engine runs, it makes
// everything the command needs true, then runs the command.
//
//   node tools/bootstrap/bootstrap.cjs <start|rehearse|test> -- <command> [args…]
//
// Plain CommonJS with no dependencies and nothing newer than Node 18, because it runs before the
// pinned Node and node_modules exist.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { shipyardCacheDir } = require('./cache-root.cjs');
const { ensureDependencies } = require('./dependencies.cjs');
const { commandExists, ensureDockerEngine, ensurePackages, machineFacts, PACKAGES } = require('./machine.cjs');
const { ensurePinnedNode, pinnedNodeVersion, runsPinnedNode } = require('./node-runtime.cjs');
const { BootstrapError, BootstrapExit, say } = require('./progress.cjs');

const workspaceRoot = path.resolve(__dirname, '..', '..');

/** What each command needs, in order. */
const PROFILES = Object.freeze({
  start: { packages: [], engine: false, prepare: false },
  rehearse: { packages: ['engine', 'rehearsal'], engine: true, prepare: false },
  test: { packages: ['engine', 'rehearsal', 'browser', 'checks', 'cluster'], engine: true, prepare: true },
});

function parseArguments(argv) {
  const separator = argv.indexOf('--');
  const profile = argv[0];
  if (!PROFILES[profile] || separator !== 1 || separator === argv.length - 1) {
    throw new BootstrapError(`usage: bootstrap.cjs <${Object.keys(PROFILES).join('|')}> -- <command> [args…]`, BootstrapExit.usage);
  }
  return { profile, command: argv[separator + 1], args: argv.slice(separator + 2) };
}

/** Runs a command with the terminal, passing SIGTERM on; resolves with its exit code. */
function runInherited(command, args, env, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    // Ctrl-C reaches the child through the terminal's process group: the parent only waits for it.
    const ignore = () => undefined;
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    const done = (code) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      resolve(code);
    };
    child.on('error', (error) => {
      say(`could not run ${command}: ${error.message}`);
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 130 : 1)));
  });
}

/**
 * Makes the profile's needs true, then runs the command; resolves with the exit code. `context`
 * replaces the real workspace, environment and downloads in tests.
 */
async function main(argv, context = {}) {
  const { profile, command, args } = parseArguments(argv);
  const needs = PROFILES[profile];
  const root = context.root ?? workspaceRoot;
  const env = { ...(context.env ?? process.env) };
  const cacheDir = shipyardCacheDir(env);

  if (!runsPinnedNode(root, context.nodeVersion)) {
    if (env.SHIPYARD_BOOTSTRAP_NODE) {
      throw new BootstrapError(`re-ran under ${process.execPath}, which is Node ${process.versions.node}, not the pinned ${pinnedNodeVersion(root)}`, BootstrapExit.nodeUnavailable);
    }
    const nodeDir = await ensurePinnedNode({ root, cacheDir, fetchTarball: context.fetchTarball });
    say(`this is Node ${process.versions.node}; shipyard pins ${pinnedNodeVersion(root)} (.nvmrc): running under ${path.join(nodeDir, 'bin', 'node')}`);
    const pathWithNode = `${path.join(nodeDir, 'bin')}${path.delimiter}${env.PATH ?? ''}`;
    return runInherited(path.join(nodeDir, 'bin', 'node'), [__filename, ...argv], { ...env, PATH: pathWithNode, SHIPYARD_BOOTSTRAP_NODE: '1' }, root);
  }

  await ensureDependencies(root);
  if (needs.packages.length > 0 || needs.engine) {
    const facts = machineFacts(env);
    const missing = await ensurePackages(needs.packages, facts);
    const browserMissing = missing.filter((p) => PACKAGES.browser.packages.includes(p));
    if (browserMissing.length > 0) say(`WARNING: ${browserMissing.join(', ')} is not installed: the browser tests will be skipped (a failure under CI). Install it: sudo apt-get install -y ${browserMissing.join(' ')}`);
    const otherMissing = missing.filter((p) => !browserMissing.includes(p) && !PACKAGES.engine.packages.includes(p));
    if (otherMissing.length > 0) say(`WARNING: missing Debian packages ${otherMissing.join(', ')}: sudo apt-get install -y ${otherMissing.join(' ')}`);
    if (needs.engine) {
      const engine = await ensureDockerEngine(cacheDir, { ...facts, dockerdInstalled: commandExists('dockerd') });
      if (engine !== 'running') say(`Docker engine ${engine}`);
    }
  }
  if (needs.prepare) {
    // Work that needs the registries (Node binary for the base images, helm) happens here, before
    // the test run's loopback guard is in force.
    const code = await runInherited(process.execPath, ['--conditions=@shipyard/source', path.join(root, 'tools', 'bin', 'shipyard.cjs'), 'prepare'], env, root);
    if (code !== 0) return code;
    env.SHIPYARD_REGISTRY ??= '127.0.0.1:5000';
    env.SHIPYARD_BASE_REGISTRY ??= env.SHIPYARD_REGISTRY;
  }
  return runInherited(command, args, env, root);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      if (error instanceof BootstrapError) {
        say(error.message);
        process.exit(error.exitCode);
      }
      console.error(error);
      process.exit(1);
    },
  );
}

module.exports = { PROFILES, parseArguments, main };

'use strict';
// One progress vocabulary for the bootstrap: `[shipyard] …` lines, and a heartbeat while a long
// child runs, so no stretch of set-up is silent for more than ~10 s.
const { spawn } = require('node:child_process');

const HEARTBEAT_MS = 10_000;

function say(line) {
  process.stderr.write(`[shipyard] ${line}\n`);
}

/** The error the bootstrap stops with: a message for a person and an exit code a script can test. */
class BootstrapError extends Error {
  constructor(message, exitCode) {
    super(message);
    this.name = 'BootstrapError';
    this.exitCode = exitCode;
  }
}

/**
 * Exit codes of the bootstrap, distinct from each other and from the shipyard CLI's 1–3, so a
 * wrapper can tell what is missing without parsing text.
 */
const BootstrapExit = Object.freeze({
  usage: 2,
  nodeUnavailable: 10,
  nodeTampered: 11,
  dockerMissing: 12,
  dockerWontStart: 13,
  packagesFailed: 14,
  dependenciesFailed: 15,
});

/**
 * Runs a command, printing `what… (N s)` every 10 s while it is silent, and collecting its
 * output (shown only on failure unless `inherit`). Resolves with { code, output }.
 */
function runWithHeartbeat(what, command, args, options = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    let output = '';
    let lastOutputAt = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', options.inherit ? 'inherit' : 'pipe', options.inherit ? 'inherit' : 'pipe'],
    });
    const collect = (chunk) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      lastOutputAt = Date.now();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const timer = setInterval(() => {
      if (options.inherit && Date.now() - lastOutputAt < HEARTBEAT_MS) return;
      say(`${what}… (${Math.round((Date.now() - started) / 1000)} s)`);
    }, HEARTBEAT_MS);
    child.on('error', (error) => {
      clearInterval(timer);
      resolve({ code: 127, output: `${output}${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

function lastLines(text, count = 8) {
  return text.trim().split('\n').slice(-count).join('\n');
}

module.exports = { say, BootstrapError, BootstrapExit, runWithHeartbeat, lastLines, HEARTBEAT_MS };

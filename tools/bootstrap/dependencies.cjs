'use strict';
// The locked npm dependencies: `npm ci` when node_modules was installed from another
// package-lock.json / package.json (a stamp records what it was installed from).
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { BootstrapError, BootstrapExit, lastLines, runWithHeartbeat, say } = require('./progress.cjs');

const STAMP = path.join('node_modules', '.shipyard-install-stamp');

function lockDigest(root) {
  return createHash('sha256')
    .update(fs.readFileSync(path.join(root, 'package-lock.json')))
    .update(fs.readFileSync(path.join(root, 'package.json')))
    .update(process.versions.node)
    .digest('hex');
}

function dependenciesCurrent(root) {
  const stamp = path.join(root, STAMP);
  return fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === lockDigest(root);
}

async function ensureDependencies(root) {
  if (dependenciesCurrent(root)) return false;
  say('installing the locked dependencies (npm ci; a minute or two the first time)…');
  const result = await runWithHeartbeat('npm ci', 'npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root });
  if (result.code !== 0) throw new BootstrapError(`npm ci failed (exit ${result.code}):\n${lastLines(result.output, 15)}`, BootstrapExit.dependenciesFailed);
  fs.writeFileSync(path.join(root, STAMP), lockDigest(root));
  return true;
}

module.exports = { ensureDependencies, dependenciesCurrent };

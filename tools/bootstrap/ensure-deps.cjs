#!/usr/bin/env node
// Runs before `npm start` / `npm test`: checks the Node version and installs the locked
// dependencies when node_modules does not match package-lock.json. Plain CommonJS with no
// dependencies, because it runs before anything is installed.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const wanted = readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();
const major = process.versions.node.split('.')[0];
const wantedMajor = wanted.split('.')[0];
if (major !== wantedMajor) {
  console.error(`shipyard needs Node ${wantedMajor} LTS (pinned: ${wanted}), this is ${process.version}. Run \`nvm use\` (reads .nvmrc) and try again.`);
  process.exit(1);
}

const lock = readFileSync(path.join(root, 'package-lock.json'));
const digest = createHash('sha256').update(lock).update(readFileSync(path.join(root, 'package.json'))).digest('hex');
const stamp = path.join(root, 'node_modules', '.shipyard-install-stamp');
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) process.exit(0);

console.log('[shipyard] installing locked dependencies (npm ci)…');
execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
writeFileSync(stamp, digest);

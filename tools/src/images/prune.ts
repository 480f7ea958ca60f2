import { CliError, ExitCode } from '../cli/errors';

/** The package.json fields the image's manifests keep (everything else — scripts, nx, devDependencies — stays home). */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  main?: string;
  exports?: unknown;
  files?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface LockPackage {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockPackage>;
}

/** A package of the npm workspace (an app or a library), where it lives and what it declares. */
export interface WorkspacePackage {
  name: string;
  /** Folder relative to the workspace root, as the root lockfile spells it (libs/contracts). */
  location: string;
  manifest: PackageManifest;
}

/** Built workspace libraries sit here in the image; node_modules/<name> links to them. */
export const workspaceModulesDir = 'workspace_modules';

export const workspaceModulePath = (name: string) => `${workspaceModulesDir}/${name}`;

/** The source-only export condition the workspace resolves to TypeScript with (tsconfig customConditions). */
const sourceCondition = '@shipyard/source';

function sortedRecord(record: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!record || Object.keys(record).length === 0) return undefined;
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** Removes the source condition (it points at src/*.ts, which the image does not carry) from an exports map. */
export function stripSourceCondition(exportsField: unknown): unknown {
  if (exportsField === null || typeof exportsField !== 'object' || Array.isArray(exportsField)) return exportsField;
  return Object.fromEntries(
    Object.entries(exportsField as Record<string, unknown>)
      .filter(([key]) => key !== sourceCondition)
      .map(([key, value]) => [key, stripSourceCondition(value)]),
  );
}

/**
 * Every workspace library the app needs at run time: its declared dependencies that are
 * workspace packages, and theirs, transitively. Declared runtime dependencies are the
 * source of truth (a library imported only by tests is not shipped).
 */
export function libraryClosure(app: PackageManifest, workspace: ReadonlyMap<string, WorkspacePackage>): WorkspacePackage[] {
  const found = new Map<string, WorkspacePackage>();
  const queue = Object.keys(app.dependencies ?? {});
  while (queue.length > 0) {
    const name = queue.shift() as string;
    const library = workspace.get(name);
    if (!library || found.has(name) || name === app.name) continue;
    found.set(name, library);
    queue.push(...Object.keys(library.manifest.dependencies ?? {}));
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The service's package.json inside the image: identity, entry point, the app's declared
 * external dependencies, and every workspace library of the closure as a local `file:`
 * package. Deterministic (sorted, no timestamps), so an unchanged dependency set keeps the
 * `npm ci` layer cached.
 */
export function imageManifest(app: PackageManifest, libraries: readonly WorkspacePackage[]): PackageManifest {
  const libraryNames = new Set(libraries.map((library) => library.name));
  const dependencies: Record<string, string> = {};
  for (const [name, spec] of Object.entries(app.dependencies ?? {})) if (!libraryNames.has(name)) dependencies[name] = spec;
  for (const name of libraryNames) dependencies[name] = `file:./${workspaceModulePath(name)}`;
  return {
    name: app.name,
    version: app.version,
    private: true,
    ...(app.type ? { type: app.type } : {}),
    ...(app.main ? { main: app.main } : {}),
    dependencies: sortedRecord(dependencies),
    ...(app.optionalDependencies ? { optionalDependencies: sortedRecord(app.optionalDependencies) } : {}),
  };
}

/** A workspace library's package.json as shipped: name, entry points (no source condition), runtime dependencies. */
export function libraryManifest(library: PackageManifest): PackageManifest {
  return {
    name: library.name,
    version: library.version,
    private: true,
    ...(library.type ? { type: library.type } : {}),
    ...(library.main ? { main: library.main } : {}),
    ...(library.exports !== undefined ? { exports: stripSourceCondition(library.exports) } : {}),
    dependencies: sortedRecord(library.dependencies),
    ...(library.optionalDependencies ? { optionalDependencies: sortedRecord(library.optionalDependencies) } : {}),
  };
}

/** The package name a lockfile entry installs (its `name` for aliases, else the last node_modules segment). */
export function lockEntryName(location: string, entry: LockPackage): string {
  if (entry.name) return entry.name;
  const index = location.lastIndexOf('node_modules/');
  return index === -1 ? location : location.slice(index + 'node_modules/'.length);
}

/** The tarball URL npm would record for a registry package (npm rewrites the host to the configured registry). */
export function registryTarballUrl(name: string, version: string, registry = 'https://registry.npmjs.org'): string {
  const base = name.startsWith('@') ? name.split('/')[1] : name;
  return `${registry.replace(/\/+$/, '')}/${name}/-/${base}-${version}.tgz`;
}

/**
 * The lockfile with a `resolved` tarball URL on every registry package (the workspace
 * lockfile omits them): with URL and integrity, `npm ci --offline` takes each tarball from
 * the cache by its integrity instead of asking the registry for metadata.
 */
export function withResolvedUrls(lock: Lockfile): Lockfile {
  const packages = Object.fromEntries(
    Object.entries(lock.packages).map(([location, entry]) => {
      if (location === '' || entry.link || entry.resolved || !entry.integrity || !entry.version) return [location, entry];
      return [location, { ...entry, resolved: registryTarballUrl(lockEntryName(location, entry), entry.version) }];
    }),
  );
  return { ...lock, packages };
}

/** Node's lookup: <dir>/node_modules/<name> for `from` and each of its ancestors (node_modules folders themselves skipped). */
function candidateLocations(from: string, name: string): string[] {
  const parts = from === '' ? [] : from.split('/');
  const candidates: string[] = [];
  for (let length = parts.length; length >= 0; length -= 1) {
    if (length > 0 && parts[length - 1] === 'node_modules') continue;
    const dir = parts.slice(0, length).join('/');
    candidates.push(dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`);
  }
  return candidates;
}

/** Resolves `name` from `from` the way Node does, over the lockfile's locations. */
function resolveInLock(lock: Lockfile, from: string, name: string): string | undefined {
  return candidateLocations(from, name).find((candidate) => lock.packages[candidate]);
}

/**
 * Prunes the workspace's root package-lock.json to one app: the packages reachable from the
 * app's declared dependencies (Node's lookup, through workspace links), moved to where they
 * sit in the image — the app at the root, each library under workspace_modules/<name>.
 * Registry packages get a `resolved` URL (the workspace lockfile omits it), which lets
 * `npm ci --offline` take each tarball from the seeded cache by its integrity. Dev flags are
 * dropped: everything kept is a production dependency of this app by construction.
 */
export function pruneLockfile(
  rootLock: Lockfile,
  app: WorkspacePackage,
  libraries: readonly WorkspacePackage[],
  manifest: PackageManifest,
): Lockfile {
  const reached = new Set<string>();
  const missing: string[] = [];
  const visit = (from: string, deps: Record<string, string> | undefined, optional: boolean) => {
    for (const name of Object.keys(deps ?? {})) {
      const location = resolveInLock(rootLock, from, name);
      if (location) walk(location);
      else if (!optional) missing.push(`${name} (needed by ${from})`);
    }
  };
  const walk = (location: string) => {
    if (reached.has(location)) return;
    reached.add(location);
    const entry = rootLock.packages[location];
    if (entry.link) {
      if (entry.resolved && rootLock.packages[entry.resolved]) walk(entry.resolved);
      else missing.push(`${location} links to ${entry.resolved ?? '(nothing)'}`);
      return;
    }
    const optionalPeers = Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional).map(([name]) => name);
    visit(location, entry.dependencies, false);
    visit(location, entry.optionalDependencies, true);
    visit(location, Object.fromEntries(Object.entries(entry.peerDependencies ?? {}).filter(([name]) => !optionalPeers.includes(name))), false);
  };
  visit(app.location, app.manifest.dependencies, false);
  visit(app.location, app.manifest.optionalDependencies, true);
  if (missing.length > 0) {
    throw new CliError(`package-lock.json lacks dependencies of ${app.name} (run npm install): ${missing.join(', ')}`, ExitCode.failed);
  }

  const byLocation = new Map(libraries.map((library) => [library.location, library]));
  const byName = new Map(libraries.map((library) => [library.name, library]));
  const relocate = (location: string): string => {
    if (location.startsWith(`${app.location}/`)) return location.slice(app.location.length + 1);
    for (const [libraryLocation, library] of byLocation) {
      if (location === libraryLocation) return workspaceModulePath(library.name);
      if (location.startsWith(`${libraryLocation}/`)) return `${workspaceModulePath(library.name)}${location.slice(libraryLocation.length)}`;
    }
    return location;
  };

  const packages: Record<string, LockPackage> = {};
  const origin = new Map<string, string>();
  for (const location of reached) {
    const entry = rootLock.packages[location];
    const target = relocate(location);
    let kept: LockPackage;
    const library = byLocation.get(location);
    const linked = entry.link ? byName.get(lockEntryName(location, entry)) : undefined;
    if (library) {
      const shipped = libraryManifest(library.manifest);
      kept = { name: library.name, version: shipped.version };
      if (shipped.dependencies) kept.dependencies = shipped.dependencies;
      if (shipped.optionalDependencies) kept.optionalDependencies = shipped.optionalDependencies;
    } else if (linked) {
      kept = { resolved: workspaceModulePath(linked.name), link: true };
    } else if (entry.link) {
      throw new CliError(`${location} links to ${entry.resolved}, a workspace package ${app.name} does not declare`, ExitCode.failed);
    } else {
      kept = { ...entry };
      delete kept.dev;
      delete kept.devOptional;
    }
    const previous = origin.get(target);
    if (previous !== undefined && rootLock.packages[previous].version !== entry.version) {
      throw new CliError(
        `${app.name} and its libraries need different versions of ${lockEntryName(location, entry)} (${previous} vs ${location}); pin one version across the workspace`,
        ExitCode.failed,
      );
    }
    origin.set(target, location);
    packages[target] = kept;
  }
  const root: LockPackage = { name: manifest.name, version: manifest.version };
  if (manifest.dependencies) root.dependencies = manifest.dependencies;
  if (manifest.optionalDependencies) root.optionalDependencies = manifest.optionalDependencies;
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  return withResolvedUrls({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: { '': root, ...sorted } });
}

/**
 * Proves the pruned lockfile is exactly what the service needs: every dependency resolves
 * (walking node_modules the way Node does, through workspace links) and every entry is
 * reachable from the manifest, in the image's own layout. A last check before the lockfile
 * is written: a relocation mistake or a stray entry (jest, nx, typescript in the image)
 * fails the build here rather than in production. Returns the reachable entries, sorted.
 */
export function verifyPrunedLockfile(lock: Lockfile, manifest: PackageManifest): string[] {
  const reached = new Set<string>();
  const missing: string[] = [];
  const visit = (from: string, deps: Record<string, string> | undefined, optional: ReadonlySet<string>) => {
    for (const name of Object.keys(deps ?? {})) {
      const location = candidateLocations(from, name).find((candidate) => lock.packages[candidate]);
      if (!location) {
        if (!optional.has(name)) missing.push(`${name} (needed by ${from || manifest.name})`);
        continue;
      }
      walk(location);
    }
  };
  const walk = (location: string) => {
    if (reached.has(location)) return;
    reached.add(location);
    const entry = lock.packages[location];
    if (entry.dev) missing.push(`${location} is marked dev-only`);
    if (entry.link) {
      if (!entry.resolved || !lock.packages[entry.resolved]) {
        missing.push(`${location} links to ${entry.resolved ?? '(nothing)'}, which the lockfile lacks`);
        return;
      }
      walk(entry.resolved);
      return;
    }
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([name]) => name),
    );
    visit(location, entry.dependencies, new Set());
    visit(location, entry.optionalDependencies, new Set(Object.keys(entry.optionalDependencies ?? {})));
    visit(location, entry.peerDependencies, optionalPeers);
  };
  visit('', manifest.dependencies, new Set());
  visit('', manifest.optionalDependencies, new Set(Object.keys(manifest.optionalDependencies ?? {})));

  const unreachable = Object.keys(lock.packages).filter((location) => location !== '' && !reached.has(location));
  const problems = [
    ...missing.map((m) => `missing: ${m}`),
    ...unreachable.slice(0, 10).map((u) => `not used by ${manifest.name}: ${u}`),
  ];
  if (unreachable.length > 10) problems.push(`… and ${unreachable.length - 10} more unused entries`);
  if (problems.length > 0) {
    throw new CliError(`the pruned lockfile for ${manifest.name} is not the service's dependency closure:\n  ${problems.join('\n  ')}`, ExitCode.failed);
  }
  return [...reached].sort();
}

/** Strongest hash of an SRI integrity string, the one npm's cache files content under. */
export function preferredIntegrity(integrity: string): { algorithm: string; hex: string } {
  const ranked = ['sha512', 'sha384', 'sha256', 'sha1'];
  const hashes = integrity
    .trim()
    .split(/\s+/)
    .map((item) => {
      const dash = item.indexOf('-');
      return { algorithm: item.slice(0, dash), base64: item.slice(dash + 1).split('?')[0] };
    })
    .filter((h) => ranked.includes(h.algorithm))
    .sort((a, b) => ranked.indexOf(a.algorithm) - ranked.indexOf(b.algorithm));
  if (hashes.length === 0) throw new CliError(`unsupported integrity "${integrity}"`, ExitCode.failed);
  return { algorithm: hashes[0].algorithm, hex: Buffer.from(hashes[0].base64, 'base64').toString('hex') };
}

/** Where npm's cache (cacache) keeps a tarball with this integrity, relative to the cache folder. */
export function cacheContentPath(integrity: string): string {
  const { algorithm, hex } = preferredIntegrity(integrity);
  return `_cacache/content-v2/${algorithm}/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex.slice(4)}`;
}

/** The registry tarballs the lockfile installs: what the offline npm cache must hold. */
export function lockedTarballs(lock: Lockfile): Array<{ name: string; version: string; integrity: string; optional: boolean }> {
  return Object.entries(lock.packages)
    .filter(([location, entry]) => location !== '' && !entry.link && entry.integrity && entry.version)
    .map(([location, entry]) => ({
      name: lockEntryName(location, entry),
      version: entry.version as string,
      integrity: entry.integrity as string,
      optional: entry.optional === true,
    }));
}

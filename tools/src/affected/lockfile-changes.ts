import { z } from 'zod';

const LockEntry = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  integrity: z.string().optional(),
  link: z.boolean().optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
  peerDependencies: z.record(z.string(), z.string()).optional(),
});
type LockEntry = z.infer<typeof LockEntry>;

const Lockfile = z.looseObject({
  lockfileVersion: z.number().int().min(2, 'lockfileVersion 1 has no "packages" map'),
  packages: z.record(z.string(), LockEntry),
});
type Lockfile = z.infer<typeof Lockfile>;

/** One external package an app ships, as the lockfile resolved it. */
export interface ResolvedPackage {
  name: string;
  version: string;
}

export interface RuntimeDependencyChange {
  name: string;
  /** Versions in the app's runtime closure before and after; empty when added or removed. */
  before: string[];
  after: string[];
}

export function parseLockfile(text: string): Lockfile {
  const parsed = Lockfile.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}

/**
 * The external packages a workspace package needs at runtime — what a pruned production
 * install of it contains: its `dependencies`, `optionalDependencies` and `peerDependencies`,
 * followed transitively with Node's lookup through nested node_modules folders, through
 * workspace links (a library's own dependencies count), never through devDependencies.
 * Each package is identified by name, version and integrity, so a re-published tarball counts too.
 */
export function runtimeClosure(lock: Lockfile, workspacePath: string): Map<string, ResolvedPackage & { integrity: string }> {
  const closure = new Map<string, ResolvedPackage & { integrity: string }>();
  const visited = new Set<string>();
  const visit = (location: string) => {
    if (visited.has(location)) return;
    visited.add(location);
    const entry = lock.packages[location];
    if (!entry) return;
    if (entry.link) {
      if (entry.resolved) visit(entry.resolved);
      return;
    }
    if (location.includes('node_modules/')) {
      const name = entry.name ?? packageNameAt(location);
      closure.set(location, { name, version: entry.version ?? '', integrity: entry.integrity ?? entry.resolved ?? '' });
    }
    for (const dependency of dependencyNames(entry)) {
      const found = resolveFrom(lock, location, dependency);
      if (found !== null) visit(found);
    }
  };
  if (!lock.packages[workspacePath]) throw new Error(`the lockfile has no entry for workspace "${workspacePath}"`);
  visit(workspacePath);
  return closure;
}

/** What differs in one workspace package's runtime closure between two lockfiles. */
export function runtimeDependencyChanges(before: Lockfile, after: Lockfile, workspacePath: string): RuntimeDependencyChange[] {
  const fingerprints = (lock: Lockfile) => {
    const byName = new Map<string, Set<string>>();
    if (!lock.packages[workspacePath]) return byName; // the package is new or gone: every dependency is a change
    for (const pkg of runtimeClosure(lock, workspacePath).values()) {
      const set = byName.get(pkg.name) ?? new Set<string>();
      set.add(`${pkg.version}\u0000${pkg.integrity}`);
      byName.set(pkg.name, set);
    }
    return byName;
  };
  const a = fingerprints(before);
  const b = fingerprints(after);
  const versions = (set: Set<string> | undefined) => [...new Set([...(set ?? [])].map((f) => f.split('\u0000')[0] ?? ''))].sort();
  const changes: RuntimeDependencyChange[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(name);
    const y = b.get(name);
    if (x && y && x.size === y.size && [...x].every((f) => y.has(f))) continue;
    changes.push({ name, before: versions(x), after: versions(y) });
  }
  return changes;
}

export function describeChange(change: RuntimeDependencyChange): string {
  const side = (versions: string[]) => (versions.length > 0 ? versions.join('+') : '(none)');
  if (change.before.join() === change.after.join()) return `${change.name} ${side(change.after)} (re-resolved: integrity changed)`;
  return `${change.name} ${side(change.before)} → ${side(change.after)}`;
}

function dependencyNames(entry: LockEntry): string[] {
  return [
    ...Object.keys(entry.dependencies ?? {}),
    ...Object.keys(entry.optionalDependencies ?? {}),
    ...Object.keys(entry.peerDependencies ?? {}),
  ];
}

/** Node's module lookup inside the lockfile: <dir>/node_modules/<name>, then each parent folder, up to the root. */
function resolveFrom(lock: Lockfile, location: string, dependency: string): string | null {
  let dir = location;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${dependency}` : `${dir}/node_modules/${dependency}`;
    if (lock.packages[candidate]) return candidate;
    if (dir === '') return null;
    const cut = dir.lastIndexOf('/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
    if (dir.endsWith('/node_modules')) dir = dir.slice(0, -'/node_modules'.length);
    else if (dir === 'node_modules') dir = '';
  }
}

function packageNameAt(location: string): string {
  const tail = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return tail;
}

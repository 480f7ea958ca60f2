import { LOCKFILE, type LockfileVerdict } from './affected-projects';
import type { Git } from './git';
import { parseLockfile, runtimeDependencyChanges } from './lockfile-changes';

export interface LockfileSides {
  /** package-lock.json at the base commit, or null when it cannot be read there. */
  before: string | null;
  /** package-lock.json at the head commit (or in the working tree). */
  after: string | null;
}

export function readLockfileSides(git: Git, base: string | null, head: string | null, readWorkingTree: () => string | null): LockfileSides {
  return {
    before: base ? git.showFile(base, LOCKFILE) : null,
    after: head ? git.showFile(head, LOCKFILE) : readWorkingTree(),
  };
}

/**
 * Compares each app's pruned runtime dependencies between two versions of package-lock.json.
 * Whenever that comparison is not possible the answer is "unknown", and the caller treats every
 * app as affected: rebuilding too much is slow, deploying a stale dependency is wrong.
 */
export function compareLockfiles(sides: LockfileSides, apps: Array<{ name: string; root: string }>): LockfileVerdict {
  if (sides.before === null) return { kind: 'unknown', because: 'there is no base revision of it to compare with' };
  if (sides.after === null) return { kind: 'unknown', because: 'it was deleted' };
  let before: ReturnType<typeof parseLockfile>;
  let after: ReturnType<typeof parseLockfile>;
  try {
    before = parseLockfile(sides.before);
    after = parseLockfile(sides.after);
  } catch (error) {
    return { kind: 'unknown', because: `it could not be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  const notWorkspaces = apps.filter((app) => !after.packages[app.root]).map((app) => app.root);
  if (notWorkspaces.length > 0) {
    return { kind: 'unknown', because: `${notWorkspaces.join(', ')} has no entry in it (not an npm workspace), so its dependencies are unknown` };
  }
  return { kind: 'compared', changesByApp: new Map(apps.map((app) => [app.name, runtimeDependencyChanges(before, after, app.root)])) };
}

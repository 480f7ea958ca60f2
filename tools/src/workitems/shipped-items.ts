import { mentionedWorkItems, revertedCommit } from './mentions';

/** One commit of the deployment's range, as read from git. */
export interface RangeCommit {
  sha: string;
  parents: string[];
  /** The whole message (subject, blank line, body). */
  message: string;
  /** For a merge: the commits it brought in (reachable from it, not from its first parent), itself excluded. */
  brings?: string[];
}

export type ItemStatus = 'shipped' | 'reverted';

export interface ShippedItem {
  id: number;
  /**
   * shipped: a change mentioning it is in the deployment and stays in.
   * reverted: the deployment only takes back changes mentioning it that shipped earlier.
   */
  status: ItemStatus;
  /** The commits that make the status (mentioning the item), oldest first. */
  commits: Array<{ sha: string; subject: string }>;
}

export interface ItemsInRange {
  items: ShippedItem[];
  /** Mentioned only by changes that were undone within the same range: nothing to report. */
  cancelled: Array<{ id: number; commits: string[] }>;
}

const subjectOf = (message: string) => message.split('\n')[0].trim();

/**
 * Which mentioned work items a range of commits really ships. A change counts unless a revert
 * later in the range takes it back (and that revert is not itself reverted); reverting a merge
 * takes back every commit the merge brought in. A revert of a change from before the range
 * marks its items "reverted". Merges count with their own message (Azure Repos writes
 * "Merged PR 42: <title>", so AB# in a pull request title lands there), and an item mentioned
 * by several commits is one item.
 */
export function itemsInRange(commits: RangeCommit[]): ItemsInRange {
  const bySha = new Map(commits.map((commit) => [commit.sha, commit]));
  const resolve = (prefix: string) => (bySha.has(prefix) ? prefix : commits.find((commit) => commit.sha.startsWith(prefix))?.sha);
  const revertOf = new Map<string, string | undefined>();
  const revertersOf = new Map<string, string[]>();
  for (const commit of commits) {
    const named = revertedCommit(commit.message);
    const target = named ? resolve(named) : undefined;
    revertOf.set(commit.sha, named ? (target ?? `outside:${named}`) : undefined);
    if (target) revertersOf.set(target, [...(revertersOf.get(target) ?? []), commit.sha]);
  }
  const mergesBringing = new Map<string, string[]>();
  for (const commit of commits) for (const brought of commit.brings ?? []) mergesBringing.set(brought, [...(mergesBringing.get(brought) ?? []), commit.sha]);

  // Reverts and merges are newer than what they act on, so this recursion always ends.
  const memo = new Map<string, boolean>();
  const effective = (sha: string): boolean => {
    const known = memo.get(sha);
    if (known !== undefined) return known;
    const result = !(revertersOf.get(sha) ?? []).some(effective) && (mergesBringing.get(sha) ?? []).every(effective);
    memo.set(sha, result);
    return result;
  };

  const shipped = new Map<number, ShippedItem>();
  const reverted = new Map<number, ShippedItem>();
  const cancelled = new Map<number, string[]>();
  const add = (target: Map<number, ShippedItem>, id: number, status: ItemStatus, commit: RangeCommit) => {
    const item = target.get(id) ?? { id, status, commits: [] };
    if (!item.commits.some((entry) => entry.sha === commit.sha)) item.commits.push({ sha: commit.sha, subject: subjectOf(commit.message) });
    target.set(id, item);
  };
  // git log lists newest first; oldest first reads better in a comment.
  for (const commit of [...commits].reverse()) {
    const ids = mentionedWorkItems(commit.message);
    if (ids.length === 0) continue;
    const target = revertOf.get(commit.sha);
    // A revert of a commit in the range repeats that commit's mentions; the reverted commit is what counts.
    if (target && !target.startsWith('outside:')) continue;
    for (const id of ids) {
      if (!effective(commit.sha)) cancelled.set(id, [...(cancelled.get(id) ?? []), commit.sha]);
      else if (target) add(reverted, id, 'reverted', commit);
      else add(shipped, id, 'shipped', commit);
    }
  }
  const items = [...shipped.values(), ...[...reverted.values()].filter((item) => !shipped.has(item.id))].sort((a, b) => a.id - b.id);
  const listed = new Set(items.map((item) => item.id));
  return {
    items,
    cancelled: [...cancelled.entries()].filter(([id]) => !listed.has(id)).map(([id, shas]) => ({ id, commits: shas })).sort((a, b) => a.id - b.id),
  };
}

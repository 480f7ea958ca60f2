/**
 * Work item ids mentioned as AB#<id>, the syntax Azure Boards links from commit messages and
 * pull request titles. Not preceded by a letter or digit (so "TAB#3" is no mention); each id
 * once, in order of appearance.
 */
export function mentionedWorkItems(message: string): number[] {
  const ids: number[] = [];
  for (const match of message.matchAll(/(?<![A-Za-z0-9_])AB#(\d{1,9})(?!\d)/gi)) {
    const id = Number(match[1]);
    if (id > 0 && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The commit a revert names in git's default message ("This reverts commit <sha>."), full or abbreviated. */
export function revertedCommit(message: string): string | undefined {
  return /This reverts commit ([0-9a-f]{7,40})\b/i.exec(message)?.[1]?.toLowerCase();
}

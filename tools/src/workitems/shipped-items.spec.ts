import { commitsInRange } from './git-range';
import { mentionedWorkItems, revertedCommit } from './mentions';
import { itemsInRange } from './shipped-items';
import { makeHistory } from './testing/git-history';

describe('mentionedWorkItems', () => {
  it('finds AB#<id> once each, in order, and nothing that only looks like it', () => {
    expect(mentionedWorkItems('Fix rounding (AB#12), see ab#7 and AB#12 again\n\nAlso AB#300.')).toEqual([12, 7, 300]);
    expect(mentionedWorkItems('TAB#3 AB# AB#x AB#0 XAB#9 #12 AB#1234567890')).toEqual([]);
    expect(mentionedWorkItems('[AB#5] and (AB#6)')).toEqual([5, 6]);
  });

  it('reads the reverted commit from git revert messages', () => {
    expect(revertedCommit('Revert "x"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.')).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(revertedCommit('Revert "Merged PR 8"\n\nThis reverts commit abc1234, reversing\nchanges made to def5678.')).toBe('abc1234');
    expect(revertedCommit('Revert the config, by hand')).toBeUndefined();
  });
});

describe('work items across a git history', () => {
  let repo: ReturnType<typeof makeHistory>;
  const shas: Record<string, string> = {};
  beforeAll(() => {
    repo = makeHistory();
    shas.old = repo.commit('Old feature AB#106');
    shas.previous = repo.commit('Release before this one');
    repo.git('checkout', '-q', '-b', 'discounts');
    shas.f1 = repo.commit('Add discounts AB#101');
    shas.f2 = repo.commit('Discount typo (ab#101 again)');
    repo.git('checkout', '-q', 'main');
    shas.mergeDiscounts = repo.merge('discounts', 'Merged PR 7: Discounts for members AB#102');
    shas.hotfix = repo.commit('Hotfix price rounding AB#103, AB#103 and AB#104');
    shas.caching = repo.commit('Try caching AB#105');
    shas.revertCaching = repo.revert(shas.caching);
    shas.revertOld = repo.revert(shas.old);
    repo.git('checkout', '-q', '-b', 'search');
    shas.search = repo.commit('Search box AB#107');
    repo.git('checkout', '-q', 'main');
    shas.mergeSearch = repo.merge('search', 'Merged PR 8: Search');
    shas.revertSearch = repo.revert(shas.mergeSearch, '-m', '1');
    shas.pooling = repo.commit('Connection pooling AB#108');
    shas.revertPooling = repo.revert(shas.pooling);
    shas.reapplyPooling = repo.revert(shas.revertPooling);
    shas.current = repo.commit('Bump versions');
  });
  afterAll(() => repo.cleanup());

  it('ships merged branch commits, merge messages (PR titles), duplicates once, and drops what was reverted in the range', async () => {
    const commits = await commitsInRange(repo.dir, { from: shas.previous, to: shas.current });
    expect(commits.map((commit) => commit.sha)).toContain(shas.f1);
    expect(commits.find((commit) => commit.sha === shas.mergeSearch)?.brings).toEqual([shas.search]);
    const { items, cancelled } = itemsInRange(commits);
    expect(items.map((item) => [item.id, item.status, item.commits.map((commit) => commit.sha)])).toEqual([
      [101, 'shipped', [shas.f1, shas.f2]],
      [102, 'shipped', [shas.mergeDiscounts]],
      [103, 'shipped', [shas.hotfix]],
      [104, 'shipped', [shas.hotfix]],
      [106, 'reverted', [shas.revertOld]],
      [108, 'shipped', [shas.pooling]],
    ]);
    expect(items.find((item) => item.id === 102)?.commits[0].subject).toBe('Merged PR 7: Discounts for members AB#102');
    expect(cancelled).toEqual([
      { id: 105, commits: [shas.caching] },
      { id: 107, commits: [shas.search] },
    ]);
  });

  it('the first deployment of a merge commit ships what the merge brought in', async () => {
    const { items } = itemsInRange(await commitsInRange(repo.dir, { from: null, to: shas.mergeDiscounts }));
    expect(items.map((item) => item.id)).toEqual([101, 102]);
    const single = itemsInRange(await commitsInRange(repo.dir, { from: null, to: shas.hotfix }));
    expect(single.items.map((item) => item.id)).toEqual([103, 104]);
  });

  it('moving back to an older release ships nothing; a shallow checkout is named', async () => {
    expect(await commitsInRange(repo.dir, { from: shas.current, to: shas.previous })).toEqual([]);
    await expect(commitsInRange(repo.dir, { from: 'f'.repeat(40), to: shas.current })).rejects.toThrow(
      /git does not have the previous release f{40} .*fetchDepth: 0 on the deploy job's checkout/,
    );
  });
});

import { parseAzdoConfig } from '../azdo/config';
import { readAzdoCredential } from '../azdo/credentials';
import { readPipelineRun } from '../azdo/pipeline-run';
import { resolveTarget } from '../azdo/target';
import { markDeployed, releaseFor } from '../azdo/testing/releases';
import { ReleaseStore } from '../release/release-store';
import { MemoryRegistry } from '../release/testing/memory-registry';
import { deploymentMarker } from './comment';
import { runWorkItems } from './run';
import { FakeBoards } from './testing/fake-boards';
import { makeHistory } from './testing/git-history';

const config = parseAzdoConfig(
  `
organization: contoso
project: Ship Yard
environments: { dev: { name: shipyard-dev }, staging: { name: shipyard-staging }, prod: { name: shipyard-prod } }
workItems:
  transitions:
    prod: { to: Done, from: [Doing] }
`,
  'test.yml',
);

describe('workitems end to end: registry pointers, git history, Boards', () => {
  let repo: ReturnType<typeof makeHistory>;
  let boards: FakeBoards;
  let store: ReleaseStore;
  beforeEach(async () => {
    repo = makeHistory();
    boards = await FakeBoards.start();
    for (const id of [1, 2, 3, 4]) boards.addItem({ id, state: 'Doing' });
    store = new ReleaseStore(new MemoryRegistry());
  });
  afterEach(async () => {
    repo.cleanup();
    await boards.close();
  });

  const run = (environment: 'staging' | 'prod', release: string, buildId: string, dryRun = false) =>
    runWorkItems({
      environment,
      release,
      config,
      target: resolveTarget({ collectionUrl: boards.collectionUrl }, config, {}),
      credential: readAzdoCredential({ SYSTEM_ACCESSTOKEN: boards.token }),
      store,
      repo: repo.dir,
      run: readPipelineRun({ BUILD_BUILDID: buildId, SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso/', SYSTEM_TEAMPROJECT: 'Ship Yard' }),
      dryRun,
      log: () => undefined,
    });

  it('comments on what each deployment adds, once, per environment', async () => {
    const first = repo.commit('Checkout page AB#1');
    await store.push(releaseFor(first, { storefront: '1' }));
    await markDeployed(store, 'prod', first);
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit('Coupons AB#2');
    repo.git('checkout', '-q', 'main');
    repo.merge('feature', 'Merged PR 3: Coupons for AB#3');
    const second = repo.commit('Fix AB#2 rounding');
    await store.push(releaseFor(second, { storefront: '2' }));
    await markDeployed(store, 'prod', second);

    const report = await run('prod', second, '11');
    expect(report.previous).toBe(first);
    expect(report.items.map((item) => [item.id, item.actions])).toEqual([
      [2, ['link build 11', 'move Doing → Done', 'comment']],
      [3, ['link build 11', 'move Doing → Done', 'comment']],
    ]);
    expect(boards.items.get(1)?.comments).toEqual([]);
    expect(boards.items.get(2)?.comments[0].text).toContain(deploymentMarker('prod', second));

    // The job re-run: the pointers did not move, the same range is read, nothing is written again.
    const writes = boards.writes.length;
    await run('prod', second, '11');
    expect(boards.writes.length).toBe(writes);

    // The next deployment only reaches what it adds.
    const third = repo.commit('Receipts AB#4');
    await store.push(releaseFor(third, { storefront: '3' }));
    await markDeployed(store, 'prod', third);
    const next = await run('prod', third, '12');
    expect(next.items.map((item) => item.id)).toEqual([4]);
    expect(boards.items.get(2)?.comments).toHaveLength(1);
  });

  it('refuses to run for a release the pointer does not name (the deploy did not move it)', async () => {
    const first = repo.commit('Checkout page AB#1');
    const second = repo.commit('More AB#2');
    await store.push(releaseFor(first, { storefront: '1' }));
    await markDeployed(store, 'staging', first);
    await expect(run('staging', second, '13')).rejects.toThrow(/env-staging names release [0-9a-f]{40}, not [0-9a-f]{40}/);
    expect(boards.writes).toEqual([]);
  });
});

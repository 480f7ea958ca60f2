import { parseAzdoConfig, type WorkItemsSettings } from '../azdo/config';
import { readAzdoCredential } from '../azdo/credentials';
import type { Deployment } from '../azdo/deployment';
import type { RetryPolicy } from '../azdo/http';
import { readPipelineRun } from '../azdo/pipeline-run';
import { resolveTarget } from '../azdo/target';
import { throttled } from '../azdo/testing/fake-server';
import { restBoardsApi } from './boards';
import { deploymentComment, deploymentMarker } from './comment';
import type { ItemsInRange } from './shipped-items';
import { FakeBoards } from './testing/fake-boards';
import { updateWorkItems } from './update';

const sha = (c: string) => c.repeat(40);
const digest = (c: string) => `sha256:${c.repeat(64)}`;

const deployment = (environment: Deployment['environment'] = 'prod'): Deployment => ({
  environment,
  current: { gitSha: sha('a'), digest: digest('1'), apps: { 'catalog-api': { gitSha: sha('a'), imageDigest: digest('2') }, storefront: { gitSha: sha('c'), imageDigest: digest('3') } } },
  previous: { gitSha: sha('c'), digest: digest('4'), apps: { 'catalog-api': { gitSha: sha('c'), imageDigest: digest('5') }, storefront: { gitSha: sha('c'), imageDigest: digest('3') } } },
});

const run = readPipelineRun({ BUILD_BUILDID: '4711', BUILD_BUILDNUMBER: '20250601.3', SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso/', SYSTEM_TEAMPROJECT: 'Ship Yard' });

const found: ItemsInRange = {
  items: [
    { id: 101, status: 'shipped', commits: [{ sha: sha('d'), subject: 'Add discounts <b>AB#101</b>' }] },
    { id: 102, status: 'shipped', commits: [{ sha: sha('e'), subject: 'Merged PR 7: Discounts AB#102' }] },
    { id: 103, status: 'shipped', commits: [{ sha: sha('f'), subject: 'Hotfix AB#103' }] },
    { id: 104, status: 'shipped', commits: [{ sha: sha('f'), subject: 'Hotfix AB#104' }] },
    { id: 106, status: 'reverted', commits: [{ sha: sha('9'), subject: 'Revert "Old feature AB#106"' }] },
    { id: 108, status: 'shipped', commits: [{ sha: sha('8'), subject: 'Pooling AB#108' }] },
  ],
  cancelled: [{ id: 105, commits: [sha('7')] }],
};

const settings: WorkItemsSettings = parseAzdoConfig(
  `
organization: contoso
project: Ship Yard
environments: { dev: { name: d }, staging: { name: s }, prod: { name: p } }
workItems:
  transitions:
    prod: { to: Done, from: [Doing, Active] }
`,
  'test.yml',
).workItems;

describe('workitems against a loopback Azure Boards', () => {
  let boards: FakeBoards;
  let waits: number[];
  let log: string[];
  beforeEach(async () => {
    boards = await FakeBoards.start();
    boards.addItem({ id: 101, state: 'Doing', title: 'Discounts' });
    boards.addItem({ id: 102, state: 'To Do' });
    boards.addItem({ id: 103, state: 'Done', relations: [{ rel: 'ArtifactLink', url: 'vstfs:///Build/Build/4711', attributes: { name: 'Integrated in build' } }] });
    boards.addItem({ id: 104, type: 'User Story', state: 'Active' });
    boards.addItem({ id: 106, state: 'Done', project: 'Other Project' });
    waits = [];
    log = [];
  });
  afterEach(() => boards.close());

  const api = (token = boards.token) => {
    const credential = readAzdoCredential({ SYSTEM_ACCESSTOKEN: token });
    if (!credential) throw new Error('test setup: no credential');
    const policy: RetryPolicy = { attempts: 3, maxWaitMs: 5000, sleep: async (ms) => void waits.push(ms) };
    return restBoardsApi(resolveTarget({ collectionUrl: boards.collectionUrl, project: 'Ship Yard' }, undefined, {}), credential, policy);
  };
  const update = (options: { environment?: Deployment['environment']; dryRun?: boolean; token?: string; items?: ItemsInRange; boardsApi?: null } = {}) =>
    updateWorkItems({
      deployment: deployment(options.environment),
      run,
      found: options.items ?? found,
      settings,
      boards: options.boardsApi === null ? null : api(options.token),
      dryRun: Boolean(options.dryRun),
      log: (line) => log.push(line),
    });

  it('links the run, moves configured states, comments once per item, and carries on past a refused item', async () => {
    const report = await update();
    const byId = Object.fromEntries(report.items.map((item) => [item.id, item.problem ?? item.actions.join('; ')]));
    expect(byId).toEqual({
      101: 'link build 20250601.3; move Doing → Done; comment',
      102: 'link build 20250601.3; state stays To Do (moves only from Doing, Active); comment',
      103: 'comment',
      104: expect.stringMatching(/^updating work item 104: HTTP 400 \(the service said: TF401320: Rule Error for field State/),
      106: 'link build 20250601.3; comment',
      108: 'work item 108 does not exist, or the token may not read it',
    });
    expect(report.failed).toBe(1);
    expect(report.cancelled).toEqual([{ id: 105, commits: [sha('7')] }]);
    expect(boards.items.get(101)).toMatchObject({ state: 'Done', relations: [{ rel: 'ArtifactLink', url: 'vstfs:///Build/Build/4711', attributes: { name: 'Integrated in build' } }] });
    expect(boards.items.get(102)?.state).toBe('To Do');
    expect(boards.items.get(104)).toMatchObject({ state: 'Active', relations: [], comments: [] });

    const patch = boards.server.calls.find((request) => request.method === 'PATCH' && request.path.endsWith('/101'));
    expect(patch?.headers['content-type']).toMatch(/^application\/json-patch\+json/);
    expect(patch?.path).toBe('/contoso/Ship%20Yard/_apis/wit/workItems/101');
    expect(patch?.body).toEqual([
      { op: 'add', path: '/relations/-', value: { rel: 'ArtifactLink', url: 'vstfs:///Build/Build/4711', attributes: { name: 'Integrated in build' } } },
      { op: 'add', path: '/fields/System.State', value: 'Done' },
    ]);
    const post = boards.server.calls.find((request) => request.method === 'POST' && request.path.includes('/106/'));
    // Comments go to the item's own project, with a preview api-version.
    expect(post?.path).toBe('/contoso/Other%20Project/_apis/wit/workItems/106/comments');
    expect(post?.apiVersion).toBe('7.1-preview.3');
    expect(post?.headers.authorization).toBe(`Bearer ${boards.token}`);

    const comment = boards.items.get(101)?.comments[0].text ?? '';
    expect(comment).toBe(deploymentComment(found.items[0], deployment(), run));
    expect(comment).toContain('Deployed to <b>prod</b> with release <code>aaaaaaaaaaaa</code> (services changed: catalog-api).');
    expect(comment).toContain('<li><code>dddddddddddd</code> Add discounts &lt;b&gt;AB#101&lt;/b&gt;</li>');
    expect(comment).toContain('<a href="https://dev.azure.com/contoso/Ship%20Yard/_build/results?buildId=4711">20250601.3</a>');
    expect(comment).toContain(deploymentMarker('prod', sha('a')));
    expect(boards.items.get(106)?.comments[0].text).toContain('A change for this item was <b>reverted</b> in <b>prod</b>');
  });

  it('re-running the same deployment adds no comment, link or state change', async () => {
    await update();
    const before = boards.writes.length;
    const comments = [...boards.items.values()].map((item) => item.comments.length);
    const again = await update();
    expect(again.items.filter((item) => item.id !== 104 && item.id !== 108).map((item) => item.actions)).toEqual(
      Array(4).fill(['already recorded (comment with this release and environment present)']),
    );
    // Only the item whose state change was refused is tried again (its comment was never written).
    expect(boards.writes.slice(before)).toEqual(['PATCH 104']);
    expect([...boards.items.values()].map((item) => item.comments.length)).toEqual(comments);
    expect([...boards.items.values()].map((item) => item.relations.length)).toEqual([1, 1, 1, 0, 1]);
  });

  it('finds its marker on a later page of comments', async () => {
    boards.commentPageSize = 2;
    boards.items.get(101)?.comments.push({ id: 1, text: 'first' }, { id: 2, text: 'second' }, { id: 3, text: `earlier run <small>${deploymentMarker('prod', sha('a'))}</small>` });
    const report = await update({ items: { items: [found.items[0]], cancelled: [] } });
    expect(report.items[0].actions).toEqual(['already recorded (comment with this release and environment present)']);
    expect(boards.server.calls.filter((request) => request.path.endsWith('/101/comments')).map((request) => request.query.get('continuationToken'))).toEqual([null, '2']);
    expect(boards.writes).toEqual([]);
  });

  it('another environment or release is a new comment; staging has no state transition', async () => {
    await update();
    const report = await update({ environment: 'staging', items: { items: [found.items[0]], cancelled: [] } });
    expect(report.items[0].actions).toEqual(['comment']);
    expect(boards.items.get(101)?.comments.map((comment) => comment.text.includes(deploymentMarker('staging', sha('a'))))).toEqual([false, true]);
  });

  it('--dry-run reads and says what it would do; without a token it only lists what git found', async () => {
    const report = await update({ dryRun: true });
    expect(report.items.find((item) => item.id === 101)?.actions).toEqual(['would link build 20250601.3', 'would move Doing → Done', 'would comment']);
    expect(boards.writes).toEqual([]);
    const offline = await update({ dryRun: true, boardsApi: null });
    expect(offline.items.map((item) => [item.id, item.actions])).toEqual(found.items.map((item) => [item.id, ['not checked (no token)']]));
  });

  it('names the missing permission for an item it may not edit, and stops on a refused token', async () => {
    boards.readOnly.add(101);
    const report = await update({ items: { items: [found.items[0]], cancelled: [] } });
    expect(report.failed).toBe(1);
    expect(report.items[0].problem).toMatch(
      /^updating work item 101: permission denied \(403\): the token needs 'Edit work items in this node' on the area path of work item 101 in project Ship Yard .*it acts as the pipeline's build service identity .*TF237111/,
    );
    await expect(update({ token: 'stale' })).rejects.toThrow(/reading work item 101: the token was refused \(401\)\. Map the job token into the step/);
  });

  it('waits out throttling on a comment, and refuses an implausible number of items', async () => {
    boards.server.failNext((request) => request.method === 'POST', throttled(4));
    const report = await update({ items: { items: [found.items[0]], cancelled: [] } });
    expect(report.items[0].actions).toContain('comment');
    expect(waits).toEqual([4000]);
    expect(boards.items.get(101)?.comments).toHaveLength(1);
    const many: ItemsInRange = { items: Array.from({ length: 51 }, (_, index) => ({ id: index + 1, status: 'shipped', commits: [] })), cancelled: [] };
    await expect(update({ items: many })).rejects.toThrow(/51 work items are mentioned between cccccccccccc and aaaaaaaaaaaa, more than workItems.maxItems \(50\)/);
  });
});

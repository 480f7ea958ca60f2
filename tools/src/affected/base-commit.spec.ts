import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeBuildsApi, type FakeBuild } from '../azdo/testing/fake-builds';
import { BaseCommitError, decideBaseCommit } from './base-commit';
import { gitIn } from './git';
import type { BuildsApi, RunContext } from './pipeline-env';

/** A throwaway repository: main with three commits, a feature branch off the second. */
function makeRepository() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-base-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'user.name', 'test');
  const commit = (file: string) => {
    writeFileSync(path.join(dir, file), `${file}\n`);
    git('add', file);
    git('commit', '-q', '-m', file);
    return git('rev-parse', 'HEAD');
  };
  const c1 = commit('one.txt');
  const c2 = commit('two.txt');
  git('checkout', '-q', '-b', 'feature');
  const f1 = commit('feature.txt');
  git('checkout', '-q', 'main');
  const c3 = commit('three.txt');
  return { dir, git, commit, c1, c2, c3, f1, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The Builds API on loopback (azure-devops-node-api's location lookup included), with the runs given. */
async function fakeBuildsApi(...builds: Array<{ sourceVersion: string; result?: FakeBuild['result'] }>) {
  const fake = await FakeBuildsApi.start({ project: 'Ship Yard', token: 'token-123' });
  builds.forEach((build, index) =>
    fake.builds.push({ id: 7 + index, buildNumber: `20250101.${3 + index}`, result: 'succeeded', finishTime: `2025-01-01T0${index}:00:00Z`, queueTime: `2025-01-01T0${index}:00:00Z`, stages: { ci: 'succeeded' }, ...build }),
  );
  const api: BuildsApi = { collectionUri: fake.collectionUrl, project: 'Ship Yard', definitionId: 42, accessToken: 'token-123' };
  return {
    api,
    fake,
    get requests() {
      return fake.server.calls;
    },
    close: () => fake.close(),
  };
}

const branchRun = (api: BuildsApi): RunContext => ({ kind: 'branch', branch: 'refs/heads/main', api });

describe('decideBaseCommit', () => {
  let repo: ReturnType<typeof makeRepository>;
  beforeEach(() => {
    repo = makeRepository();
  });
  afterEach(() => repo.cleanup());

  it('pull request: the merge-base of the target branch and HEAD', async () => {
    repo.git('checkout', '-q', 'feature');
    const decision = await decideBaseCommit({
      git: gitIn(repo.dir),
      context: { kind: 'pull-request', targetBranch: 'main', pullRequestId: '17' },
      defaultBranch: 'main',
    });
    expect(decision).toMatchObject({ base: repo.c2, head: repo.f1, how: 'pull-request', warnings: [] });
    expect(gitIn(repo.dir).changedFiles(decision.base as string, decision.head)).toEqual(['feature.txt']);
  });

  it("pull request: prefers the remote-tracking branch (Azure Pipelines' checkout) over a local one", async () => {
    repo.git('update-ref', 'refs/remotes/origin/main', repo.c1);
    repo.git('checkout', '-q', 'feature');
    const decision = await decideBaseCommit({
      git: gitIn(repo.dir),
      context: { kind: 'pull-request', targetBranch: 'main', pullRequestId: undefined },
      defaultBranch: 'main',
    });
    expect(decision.base).toBe(repo.c1);
    expect(decision.because).toContain('origin/main');
  });

  it('pull request: a target branch missing from the clone is a clear error', async () => {
    await expect(
      decideBaseCommit({ git: gitIn(repo.dir), context: { kind: 'pull-request', targetBranch: 'release/9', pullRequestId: '1' }, defaultBranch: 'main' }),
    ).rejects.toThrow(new BaseCommitError('the pull request\'s target branch "release/9" is not in this clone (check out with fetchDepth: 0)'));
  });

  it('main: the source commit of the last successful run, asked with the right path, query and token', async () => {
    const fake = await fakeBuildsApi({ sourceVersion: repo.c1 });
    try {
      const decision = await decideBaseCommit({ git: gitIn(repo.dir), context: branchRun(fake.api), defaultBranch: 'main' });
      expect(decision).toMatchObject({ base: repo.c1, head: repo.c3, how: 'last-successful-run', warnings: [] });
      expect(decision.because).toContain('20250101.3');
      expect(fake.requests).toHaveLength(1);
      const [request] = fake.requests;
      expect(request?.path).toBe('/contoso/Ship%20Yard/_apis/build/builds');
      expect(request?.query.get('definitions')).toBe('42');
      expect(request?.query.get('branchName')).toBe('refs/heads/main');
      expect(request?.query.get('queryOrder')).toMatch(/^(3|finishTimeDescending)$/);
      expect(request?.headers.authorization).toBe('Bearer token-123');
      expect(gitIn(repo.dir).changedFiles(repo.c1, repo.c3)).toEqual(['three.txt', 'two.txt']);
    } finally {
      await fake.close();
    }
  });

  it('main: the first run (no successful run yet) affects everything', async () => {
    const fake = await fakeBuildsApi();
    try {
      const decision = await decideBaseCommit({ git: gitIn(repo.dir), context: branchRun(fake.api), defaultBranch: 'main' });
      expect(decision).toMatchObject({ base: null, head: repo.c3, how: 'first-run', warnings: [] });
    } finally {
      await fake.close();
    }
  });

  it.each([
    [500, 'HTTP 500'],
    [401, 'HTTP 401 (is SYSTEM_ACCESSTOKEN mapped and valid?)'],
    [203, 'is SYSTEM_ACCESSTOKEN mapped and valid?'],
  ])('main: an API answer of %i falls back to HEAD~1 with a warning', async (status, expected) => {
    const fake = await fakeBuildsApi({ sourceVersion: repo.c1 });
    fake.fake.server.failNext((request) => request.method === 'GET', { status, headers: { 'content-type': 'text/html' } }, 10);
    try {
      const decision = await decideBaseCommit({ git: gitIn(repo.dir), context: branchRun(fake.api), defaultBranch: 'main' });
      expect(decision).toMatchObject({ base: repo.c2, head: repo.c3, how: 'previous-commit' });
      expect(decision.warnings).toHaveLength(1);
      expect(decision.warnings[0]).toContain(expected);
      expect(decision.warnings[0]).toContain('HEAD~1');
    } finally {
      await fake.close();
    }
  });

  it('main: an unexpected body is an API failure too', async () => {
    const fake = await fakeBuildsApi({ sourceVersion: 'main' });
    try {
      const decision = await decideBaseCommit({ git: gitIn(repo.dir), context: branchRun(fake.api), defaultBranch: 'main' });
      expect(decision.how).toBe('previous-commit');
      expect(decision.warnings[0]).toContain('unexpected run');
    } finally {
      await fake.close();
    }
  });

  it('main: without SYSTEM_ACCESSTOKEN no request is made and HEAD~1 is used, with a warning saying how to map it', async () => {
    const fake = await fakeBuildsApi({ sourceVersion: repo.c1 });
    try {
      const decision = await decideBaseCommit({
        git: gitIn(repo.dir),
        context: branchRun({ ...fake.api, accessToken: undefined }),
        defaultBranch: 'main',
      });
      expect(fake.requests).toHaveLength(0);
      expect(decision).toMatchObject({ base: repo.c2, how: 'previous-commit' });
      expect(decision.warnings[0]).toContain('SYSTEM_ACCESSTOKEN: $(System.AccessToken)');
    } finally {
      await fake.close();
    }
  });

  it('main: an unreachable API falls back to HEAD~1', async () => {
    const fake = await fakeBuildsApi({ sourceVersion: repo.c1 });
    await fake.close();
    const decision = await decideBaseCommit({ git: gitIn(repo.dir), context: branchRun(fake.api), defaultBranch: 'main' });
    expect(decision).toMatchObject({ base: repo.c2, how: 'previous-commit' });
  });

  it('main: a last successful commit that is not in the history of HEAD affects everything, with a warning', async () => {
    const fake = await fakeBuildsApi({ sourceVersion: repo.f1 });
    try {
      const decision = await decideBaseCommit({ git: gitIn(repo.dir), context: branchRun(fake.api), defaultBranch: 'main' });
      expect(decision).toMatchObject({ base: null, how: 'no-history' });
      expect(decision.warnings[0]).toContain(repo.f1);
    } finally {
      await fake.close();
    }
  });

  it('main: API failure on the very first commit affects everything', async () => {
    const single = mkdtempSync(path.join(os.tmpdir(), 'shipyard-base-'));
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: single, encoding: 'utf8' }).trim();
      git('init', '-q', '-b', 'main');
      writeFileSync(path.join(single, 'a.txt'), 'a');
      git('add', 'a.txt');
      git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-q', '-m', 'a');
      const fake = await fakeBuildsApi();
      fake.fake.server.failNext(() => true, { status: 500, body: {} }, 10);
      try {
        const decision = await decideBaseCommit({ git: gitIn(single), context: branchRun(fake.api), defaultBranch: 'main' });
        expect(decision).toMatchObject({ base: null, how: 'no-history' });
        expect(decision.warnings[0]).toContain('no parent');
      } finally {
        await fake.close();
      }
    } finally {
      rmSync(single, { recursive: true, force: true });
    }
  });

  it('--base and --head override whatever the run suggests', async () => {
    const decision = await decideBaseCommit({
      git: gitIn(repo.dir),
      context: { kind: 'pull-request', targetBranch: 'does-not-exist', pullRequestId: '1' },
      explicitBase: repo.c1,
      explicitHead: repo.c2,
      defaultBranch: 'main',
    });
    expect(decision).toMatchObject({ base: repo.c1, head: repo.c2, how: 'explicit' });
  });

  it('--base that names no commit is a clear error', async () => {
    await expect(
      decideBaseCommit({ git: gitIn(repo.dir), context: { kind: 'local' }, explicitBase: 'nope', defaultBranch: 'main' }),
    ).rejects.toThrow('--base "nope" does not name a commit in this repository');
  });

  it('local: merge-base with the default branch, and uncommitted plus untracked files count', async () => {
    repo.git('checkout', '-q', 'feature');
    writeFileSync(path.join(repo.dir, 'one.txt'), 'edited\n');
    writeFileSync(path.join(repo.dir, 'new.txt'), 'new\n');
    const decision = await decideBaseCommit({ git: gitIn(repo.dir), context: { kind: 'local' }, defaultBranch: 'main' });
    expect(decision).toMatchObject({ base: repo.c2, head: null, how: 'local' });
    expect(gitIn(repo.dir).changedFiles(repo.c2, null)).toEqual(['feature.txt', 'new.txt', 'one.txt']);
  });

  it('a renamed file counts under both paths, so the project it left is affected too', () => {
    repo.git('mv', 'one.txt', 'moved.txt');
    repo.git('commit', '-q', '-m', 'move');
    expect(gitIn(repo.dir).changedFiles(repo.c3, 'HEAD')).toEqual(['moved.txt', 'one.txt']);
  });
});

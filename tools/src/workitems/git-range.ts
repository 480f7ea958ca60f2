import { CliError, ExitCode } from '../cli/errors';
import { runCommand } from '../process/run-command';
import type { RangeCommit } from './shipped-items';

async function git(cwd: string, args: string[], allowExitCodes: number[] = []) {
  return runCommand('git', args, { cwd, allowExitCodes });
}

async function requireCommit(cwd: string, sha: string, what: string): Promise<void> {
  const result = await git(cwd, ['cat-file', '-e', `${sha}^{commit}`], [1, 128]);
  if (result.exitCode !== 0) {
    throw new CliError(
      `git does not have ${what} ${sha} in ${cwd}: the checkout needs the history between the releases (fetchDepth: 0 on the deploy job's checkout)`,
      ExitCode.environment,
    );
  }
}

/**
 * The commits a deployment ships: every commit reachable from `to` and not from `from` (both
 * sides of merges). Without a previous release, the deployed commit alone, or for a merge the
 * commits it brought in. Moving back to an older release ships no commit.
 */
export async function commitsInRange(cwd: string, range: { from: string | null; to: string }): Promise<RangeCommit[]> {
  await requireCommit(cwd, range.to, 'the deployed release');
  if (range.from) await requireCommit(cwd, range.from, 'the previous release');
  let revisions: string[];
  if (range.from) revisions = [`${range.from}..${range.to}`];
  else {
    const parents = (await git(cwd, ['rev-list', '--parents', '-n', '1', range.to])).stdout.trim().split(' ').slice(1);
    revisions = parents.length > 1 ? [`${range.to}^1..${range.to}`] : ['-n', '1', range.to];
  }
  const log = await git(cwd, ['log', '--format=%H%x1f%P%x1f%B%x1e', ...revisions, '--']);
  const commits = log.stdout
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.trim().length > 0)
    .map((record): RangeCommit => {
      const [sha, parents, message] = record.split('\x1f');
      return { sha, parents: parents.split(' ').filter(Boolean), message: message.trim() };
    });
  for (const commit of commits.filter((candidate) => candidate.parents.length > 1)) {
    const brought = await git(cwd, ['rev-list', `${commit.parents[0]}..${commit.sha}`]);
    commit.brings = brought.stdout.split('\n').filter((sha) => sha && sha !== commit.sha);
  }
  return commits;
}

import { deployDescription, type DeployedState, type HelmRevision, readDeployedState, summarizeHistory } from './deployed-state';
import { parseTimeout } from './helm-commands';
import type { HelmRunner } from './helm-runner';
import { type DesiredApp, planApp } from './plan';

const releaseSha = 'b'.repeat(40);
const fp = (c: string) => `sha256:${c.repeat(64)}`;

const desired: DesiredApp = {
  app: 'catalog-api',
  releaseSha,
  chart: { name: 'catalog-api', version: '0.2.0', repository: 'helm/catalog-api', digest: fp('c') },
  chartRef: `oci://127.0.0.1:5000/helm/catalog-api@${fp('c')}`,
  pullArgs: [],
  image: { repository: '127.0.0.1:5000/catalog-api', tag: releaseSha, digest: fp('d'), reference: `127.0.0.1:5000/catalog-api@${fp('d')}` },
  valueArgs: [],
  fingerprint: fp('f'),
};

const revision = (n: number, status: string, description = deployDescription('a'.repeat(40), fp('0')), chart = 'catalog-api-0.1.0'): HelmRevision => ({ revision: n, status, chart, description });
const state = (revisions: HelmRevision[], digest: string | null = fp('e')): DeployedState => summarizeHistory(revisions, digest);

describe('planApp', () => {
  it('upgrades a failed release that ran before (helm upgrades from failed), naming what differs', () => {
    const plan = planApp(desired, state([revision(1, 'superseded'), revision(2, 'failed')]));
    expect(plan).toEqual({ app: 'catalog-api', action: 'upgrade', recover: undefined, reasons: ['revision 2 is failed', `image eeeeeeeeeeee → dddddddddddd`, 'chart catalog-api-0.1.0 → catalog-api-0.2.0'] });
  });

  it('uninstalls a failed first install before installing again', () => {
    const plan = planApp(desired, state([revision(1, 'failed')]));
    expect(plan.recover).toEqual({ kind: 'uninstall', reason: 'revision 1 is failed and no revision ever ran: uninstall it' });
    expect(plan.action).toBe('upgrade');
  });

  it('recovers pending-rollback and uninstalling too', () => {
    expect(planApp(desired, state([revision(1, 'deployed'), revision(2, 'pending-rollback')])).recover).toMatchObject({ kind: 'rollback', revision: 1 });
    expect(planApp(desired, state([revision(1, 'uninstalling')])).recover).toMatchObject({ kind: 'uninstall' });
  });

  it('only recovers when the last good revision already runs the desired state', () => {
    const good = revision(1, 'deployed', deployDescription(releaseSha, desired.fingerprint), 'catalog-api-0.2.0');
    const plan = planApp(desired, state([good, revision(2, 'pending-upgrade')]));
    expect(plan).toMatchObject({ action: 'skip', recover: { kind: 'rollback', revision: 1 }, reasons: ['the last good revision already runs this release'] });
  });

  it('says why when only content or values changed', () => {
    const same = revision(3, 'deployed', deployDescription(releaseSha, fp('9')), 'catalog-api-0.2.0');
    expect(planApp(desired, state([same], fp('d'))).reasons).toEqual(['chart content or environment values changed']);
  });

  it('follows "Rollback to N" descriptions to the revision they restored', () => {
    const history = [revision(1, 'superseded', deployDescription(releaseSha, desired.fingerprint), 'catalog-api-0.2.0'), revision(2, 'superseded'), revision(3, 'deployed', 'Rollback to 1', 'catalog-api-0.2.0')];
    const summary = state(history, fp('d'));
    expect(summary).toMatchObject({ releaseSha, fingerprint: desired.fingerprint });
    expect(planApp(desired, summary).action).toBe('skip');
  });
});

describe('reading the deployed state', () => {
  const runner = (answers: Record<string, { code: number; stdout?: string; stderr?: string }>): HelmRunner => ({
    run: async (args) => {
      const answer = answers[args[0]] ?? { code: 1, stderr: 'unexpected' };
      return { code: answer.code, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
    },
  });

  it('is "not installed" when helm does not know the release', async () => {
    expect(await readDeployedState(runner({ history: { code: 1, stderr: 'Error: release: not found' } }), 'catalog-api', 'shipyard')).toEqual({ installed: false });
  });

  it('reads status, chart, digest and identity from history and values', async () => {
    const history = JSON.stringify([{ revision: 4, updated: 'x', status: 'deployed', chart: 'catalog-api-0.2.0', app_version: '0.1.0', description: deployDescription(releaseSha, fp('f')) }]);
    const state = await readDeployedState(runner({ history: { code: 0, stdout: history }, get: { code: 0, stdout: JSON.stringify({ service: { image: { digest: fp('d') } } }) } }), 'catalog-api', 'shipyard');
    expect(state).toMatchObject({ installed: true, status: 'deployed', revision: 4, chart: 'catalog-api-0.2.0', imageDigest: fp('d'), releaseSha, fingerprint: fp('f') });
  });

  it('explains an unreachable cluster', async () => {
    const unreachable = runner({ history: { code: 1, stderr: 'Error: kubernetes cluster unreachable: Get "http://localhost:8080/version": dial tcp 127.0.0.1:8080: connect: connection refused' } });
    await expect(readDeployedState(unreachable, 'catalog-api', 'shipyard')).rejects.toThrow(/helm history catalog-api failed \(exit 1\): Error: kubernetes cluster unreachable.*\n\(is the cluster reachable\? .*--dry-run --assume-not-installed\)/s);
  });
});

describe('--timeout', () => {
  it.each(['90s', '10m', '1h30m'])('accepts %s', (value) => expect(parseTimeout(value)).toBe(value));
  it.each(['10', '', 'ten minutes', '0m', '5 m'])('refuses "%s"', (value) => expect(() => parseTimeout(value)).toThrow(/must be a duration like 90s, 10m or 1h30m/));
});

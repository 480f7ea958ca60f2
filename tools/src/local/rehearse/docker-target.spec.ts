import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { upgradeCommand } from '../../deploy/helm-commands';
import type { HelmRunner } from '../../deploy/helm-runner';
import type { DesiredApp } from '../../deploy/plan';
import { DockerDeployTarget, parseUpgrade } from './docker-target';
import { portLayout } from './ports';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const desired: DesiredApp = {
  app: 'storefront',
  releaseSha: 'a'.repeat(40),
  chart: { name: 'storefront', version: '0.1.0-aaaaaaaaaaaa', repository: 'helm/storefront', digest: digest('c') },
  chartRef: `oci://127.0.0.1:5000/helm/storefront@${digest('c')}`,
  pullArgs: ['--ca-file', '/cache/registry/cert.pem'],
  image: { repository: '127.0.0.1:5000/storefront', tag: 'a'.repeat(40), digest: digest('d'), reference: `127.0.0.1:5000/storefront@${digest('d')}` },
  valueArgs: ['-f', 'charts/environments/dev.yaml', '-f', 'charts/storefront/values-dev.yaml', '--set-string', `service.image.digest=${digest('d')}`],
  fingerprint: digest('f'),
};
const upgrade = upgradeCommand(desired, { namespace: 'shipyard', timeout: '5m' });

describe('the Docker stand-in reading deploy\'s helm upgrade', () => {
  it('finds the chart reference, how it is pulled and the value arguments', () => {
    expect(parseUpgrade(upgrade)).toEqual({
      app: 'storefront',
      chart: desired.chartRef,
      pullArgs: ['--ca-file', '/cache/registry/cert.pem'],
      namespace: 'shipyard',
      description: `shipyard release=${'a'.repeat(40)} fingerprint=${digest('f')}`,
      rollbackOnFailure: true,
      valueArgs: desired.valueArgs,
    });
  });

  it('renders the chart from the registry by digest with the same values (helm template), before any container starts', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'shipyard-docker-target-'));
    const calls: string[][] = [];
    // helm fails the pull: the stand-in returns helm's answer and never reaches Docker.
    const helm: HelmRunner = { run: async (args) => (calls.push([...args]), { code: 1, stdout: '', stderr: 'Error: failed to perform "FetchReference": not found\n' }) };
    try {
      const target = new DockerDeployTarget({
        workspace: 'test',
        environment: 'dev',
        namespace: 'shipyard',
        ports: portLayout(18000, ['storefront']),
        stateDir: state,
        routesFile: path.join(state, 'routes.json'),
        secrets: {},
        helm,
        log: () => undefined,
      });
      const result = await target.run(upgrade);
      expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining('FetchReference') });
      expect(calls).toEqual([['template', 'storefront', desired.chartRef, '--ca-file', '/cache/registry/cert.pem', '--namespace', 'shipyard', ...desired.valueArgs]]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

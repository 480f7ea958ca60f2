import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runHelm } from '../helm/run';
import { caFilesFor, resolveRegistry } from '../release/registry-access';
import { findChart, environmentValueFiles } from './layout';
import { parseManifests } from './manifests';
import { renderChart } from './render';
import { stageChart } from './stage';
import { chartReference, commitChartVersion, packageChart, pushChart } from './publish';

// The real pinned helm against the local HTTPS registry (npx shipyard registry start, as npm test's pretest does).
jest.setTimeout(180_000);

describe('a service chart as an OCI artifact in the local registry', () => {
  const registry = resolveRegistry(undefined);
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'shipyard-publish-int-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is packaged with the generic chart inside, pushed by helm, and renders from its digest exactly as the checkout does', async () => {
    const chart = findChart('checkout-api');
    const sha = 'ab'.repeat(20);
    const version = commitChartVersion(chart.version, sha);
    const caFiles = caFilesFor(registry, []);
    const artifact = await pushChart(chart, await packageChart(chart, version, work), version, { registry, caFiles });
    expect(artifact).toMatchObject({ repository: 'helm/checkout-api', version: '0.1.0-abababababab', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });

    const values = environmentValueFiles(chart, 'prod').flatMap((file) => ['-f', file]);
    const fromRegistry = await runHelm(['template', chart.name, chartReference(registry, artifact), '--namespace', 'shipyard', '--ca-file', caFiles[0], ...values]);
    expect(fromRegistry.stderr).toContain(`Digest: ${artifact.digest}`);
    const staged = await stageChart(chart);
    try {
      const fromCheckout = await renderChart(chart, staged, { environment: 'prod' });
      expect(parseManifests(fromRegistry.stdout).map((o) => o.object)).toEqual(fromCheckout.objects.map((o) => o.object));
    } finally {
      staged.dispose();
    }

    const missing = await runHelm(['show', 'chart', `oci://${registry}/helm/checkout-api@sha256:${'0'.repeat(64)}`, '--ca-file', caFiles[0]]);
    expect(missing.code).not.toBe(0);
  });
});

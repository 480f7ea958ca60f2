import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { affectedServiceCharts, readAffectedServiceCharts } from './affected-charts';

describe('the charts a run pushes', () => {
  it('are the service charts of the affected chart projects that deploy an app, not the generic chart or library', () => {
    const document = {
      apps: [{ name: 'storefront', reasons: ['changed'] }],
      charts: [
        { name: 'chart-storefront', reasons: ['uses charts/service'], app: 'storefront' },
        { name: 'chart-service', reasons: ['changed'] },
        { name: 'chart-catalog-api', reasons: ['uses charts/service'], app: 'catalog-api' },
      ],
    };
    expect(affectedServiceCharts(document, 'affected.json')).toEqual(['catalog-api', 'storefront']);
  });

  it('are none when only app code changed (its image is rebuilt, its chart carried over)', () => {
    expect(affectedServiceCharts({ apps: [{ name: 'storefront', reasons: [] }], charts: [] }, 'affected.json')).toEqual([]);
  });

  it('refuses a file that is not the output of shipyard affected', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-affected-charts-'));
    try {
      writeFileSync(path.join(dir, 'images.json'), JSON.stringify({ storefront: { digest: 'sha256:x' } }));
      expect(() => readAffectedServiceCharts(path.join(dir, 'images.json'))).toThrow(/images\.json is not the output of shipyard affected: charts:/);
      expect(() => readAffectedServiceCharts(path.join(dir, 'none.json'))).toThrow(/affected file .*none\.json does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { appsMatrix, EMPTY_TREE, azureOutputLines, chartsMatrix, escapeVsoData, legName, warningIssue } from './azure-output';

describe('Azure Pipelines output', () => {
  it('turns affected apps into a matrix whose leg names Azure Pipelines accepts', () => {
    expect(appsMatrix([{ name: 'catalog-api', reasons: [] }, { name: 'storefront', reasons: [] }])).toEqual({
      catalog_api: { app: 'catalog-api' },
      storefront: { app: 'storefront' },
    });
    expect(legName('3d-render')).toBe('x_3d_render');
  });

  it('gives chart legs their app when there is one', () => {
    expect(
      chartsMatrix([
        { name: 'chart-catalog-api', app: 'catalog-api', reasons: [] },
        { name: 'chart-ingress', app: undefined, reasons: [] },
      ]),
    ).toEqual({ chart_catalog_api: { chart: 'chart-catalog-api', app: 'catalog-api' }, chart_ingress: { chart: 'chart-ingress' } });
  });

  it('refuses two projects that would share a leg name', () => {
    expect(() => appsMatrix([{ name: 'a-b', reasons: [] }, { name: 'a_b', reasons: [] }])).toThrow('share the matrix leg name "a_b"');
  });

  it('prints one setvariable line per output, with an empty matrix and hasApps false when nothing is affected', () => {
    expect(azureOutputLines({ apps: [], charts: [], base: 'abc', head: 'def', everything: false })).toEqual([
      '##vso[task.setvariable variable=appsMatrix;isOutput=true]{}',
      '##vso[task.setvariable variable=hasApps;isOutput=true]false',
      '##vso[task.setvariable variable=apps;isOutput=true]',
      '##vso[task.setvariable variable=chartsMatrix;isOutput=true]{}',
      '##vso[task.setvariable variable=hasCharts;isOutput=true]false',
      '##vso[task.setvariable variable=charts;isOutput=true]',
      '##vso[task.setvariable variable=base;isOutput=true]abc',
      '##vso[task.setvariable variable=head;isOutput=true]def',
      '##vso[task.setvariable variable=nxBase;isOutput=true]abc',
      '##vso[task.setvariable variable=nxHead;isOutput=true]def',
    ]);
    const lines = azureOutputLines({ apps: [{ name: 'checkout-api', reasons: ['x'] }], charts: [], base: null, head: 'def', everything: true });
    expect(lines[0]).toBe('##vso[task.setvariable variable=appsMatrix;isOutput=true]{"checkout_api":{"app":"checkout-api"}}');
    expect(lines[1]).toBe('##vso[task.setvariable variable=hasApps;isOutput=true]true');
    expect(lines[2]).toBe('##vso[task.setvariable variable=apps;isOutput=true]checkout-api');
    expect(lines).toContain(`##vso[task.setvariable variable=nxBase;isOutput=true]${EMPTY_TREE}`);
    // Changed files given by hand have no range for nx affected.
    expect(azureOutputLines({ apps: [], charts: [], base: null, head: null, everything: false })).toContain('##vso[task.setvariable variable=nxBase;isOutput=true]');
  });

  it('escapes what would end or corrupt a logging command', () => {
    expect(escapeVsoData('50% done\r\nnext')).toBe('50%AZP25 done%0D%0Anext');
    expect(warningIssue('API failed\nfalling back')).toBe('##vso[task.logissue type=warning]API failed%0Afalling back');
  });
});

import { decideAffected, isProductionFile, type LockfileVerdict } from './affected-projects';
import { ownerOf, type ProjectInfo, type WorkspaceModel } from './workspace-model';

function project(name: string, root: string, tags: string[]): ProjectInfo {
  return {
    name,
    root,
    tags,
    production: { include: [`${root}/**/*`], exclude: [`${root}/**/*.spec.ts`, `${root}/eslint.config.mjs`, `${root}/README.md`] },
  };
}

/** Three apps over two libs, a chart per app over the charts/common library chart. */
function model(): WorkspaceModel {
  const projects = [
    project('catalog-api', 'apps/catalog-api', ['type:app']),
    project('checkout-api', 'apps/checkout-api', ['type:app']),
    project('storefront', 'apps/storefront', ['type:app']),
    project('contracts', 'libs/contracts', ['type:lib']),
    project('service-kit', 'libs/service-kit', ['type:lib']),
    project('tools', 'tools', ['type:tool']),
    project('chart-catalog-api', 'charts/catalog-api', ['type:chart']),
    project('chart-checkout-api', 'charts/checkout-api', ['type:chart']),
    project('chart-storefront', 'charts/storefront', ['type:chart']),
    project('chart-common', 'charts/common', ['type:chart']),
  ];
  const chart = (app: string) => ({ name: `chart-${app}`, root: `charts/${app}`, library: false, chartDependencyRoots: ['charts/common'], app });
  return {
    projects: new Map(projects.map((p) => [p.name, p])),
    dependencies: new Map([
      ['catalog-api', ['contracts', 'service-kit']],
      ['checkout-api', ['contracts', 'service-kit']],
      ['storefront', ['service-kit']],
      ['service-kit', ['contracts']],
    ]),
    apps: ['catalog-api', 'checkout-api', 'storefront'],
    charts: [chart('catalog-api'), chart('checkout-api'), chart('storefront')],
  };
}

/**
 * Stands in for Nx: owners of the files, every project for tsconfig.base.json, the chart projects
 * for files their lint/test targets name (chart tooling, shared environment values), then all dependents.
 */
const chartInputs = ['tools/src/charts/', 'charts/environments/'];
const imageInputs = ['tools/docker/node-service.Dockerfile'];
function fakeNx(m: WorkspaceModel) {
  const calls: string[][] = [];
  const nxAffected = async (files: string[]) => {
    calls.push(files);
    const touched = new Set<string>();
    for (const file of files) {
      if (file === 'tsconfig.base.json') for (const name of m.projects.keys()) touched.add(name);
      if (chartInputs.some((prefix) => file.startsWith(prefix))) for (const chart of m.charts) touched.add(chart.name);
      if (imageInputs.includes(file)) for (const app of m.apps) touched.add(app);
      const owner = ownerOf(m, file);
      if (owner) touched.add(owner.name);
    }
    let grew = true;
    while (grew) {
      grew = false;
      for (const [source, targets] of m.dependencies) {
        if (!touched.has(source) && targets.some((t) => touched.has(t))) {
          touched.add(source);
          grew = true;
        }
      }
    }
    return touched;
  };
  return { nxAffected, calls };
}

async function decide(files: string[], lockfile: LockfileVerdict | null = null) {
  const m = model();
  const nx = fakeNx(m);
  const result = await decideAffected({ model: m, changes: { kind: 'files', files }, lockfile, nxAffected: nx.nxAffected });
  return { ...result, appNames: result.apps.map((a) => a.name), chartNames: result.charts.map((c) => c.name), calls: nx.calls };
}

describe('decideAffected', () => {
  it('a docs-only change affects nothing', async () => {
    const result = await decide(['README.md', 'docs/architecture.md']);
    expect(result.apps).toEqual([]);
    expect(result.charts).toEqual([]);
  });

  it('a change inside one app affects that app only, and says which file', async () => {
    const result = await decide(['apps/checkout-api/src/quote.ts']);
    expect(result.apps).toEqual([{ name: 'checkout-api', reasons: ['changed: apps/checkout-api/src/quote.ts'] }]);
  });

  it('a lib change affects every app importing it, naming the dependency chain', async () => {
    const result = await decide(['libs/contracts/src/product.ts']);
    expect(result.appNames).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(result.apps.find((a) => a.name === 'storefront')?.reasons).toEqual([
      'depends on contracts (storefront → service-kit → contracts), changed: libs/contracts/src/product.ts',
    ]);
    expect(result.chartNames).toEqual([]);
  });

  it('tests, lint config and the README of a project change nothing deployable, and are never given to Nx', async () => {
    const result = await decide(['apps/catalog-api/src/routes.spec.ts', 'libs/service-kit/eslint.config.mjs', 'apps/storefront/README.md']);
    expect(result.apps).toEqual([]);
    expect(result.calls).toEqual([]);
    expect(result.files.every((f) => !f.counts)).toBe(true);
    expect(result.files[0]?.note).toBe("not in catalog-api's production input (tests, lint, docs): nothing to deploy");
  });

  it('a workspace file that Nx ties to every build affects every app', async () => {
    const result = await decide(['tsconfig.base.json']);
    expect(result.appNames).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(result.apps[0]?.reasons).toEqual(['workspace file tsconfig.base.json is one of its inputs']);
  });

  it('a change to charts/common affects every service chart and no app', async () => {
    const result = await decide(['charts/common/templates/_labels.tpl']);
    expect(result.chartNames).toEqual(['chart-catalog-api', 'chart-checkout-api', 'chart-storefront']);
    expect(result.charts[0]).toEqual({
      name: 'chart-catalog-api',
      app: 'catalog-api',
      reasons: ['uses the chart in charts/common (file://), changed: charts/common/templates/_labels.tpl'],
    });
    expect(result.apps).toEqual([]);
  });

  it('shared environment values (not in any project) affect every service chart that names them', async () => {
    const result = await decide(['charts/environments/prod.yaml']);
    expect(result.chartNames).toEqual(['chart-catalog-api', 'chart-checkout-api', 'chart-storefront']);
    expect(result.charts[0]?.reasons).toEqual(['workspace file charts/environments/prod.yaml is one of its inputs']);
  });

  it("a file of another project that every image build names (the shared Dockerfile) affects every app, naming only that file", async () => {
    const result = await decide(['tools/docker/node-service.Dockerfile', 'tools/src/images/prune.ts']);
    expect(result.appNames).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(result.apps[0]?.reasons).toEqual(['its build names tools/docker/node-service.Dockerfile (in tools) as an input']);
  });

  it('chart tooling in another project changes how charts are checked, not what is deployed', async () => {
    const result = await decide(['tools/src/charts/policy.ts']);
    expect(result.charts).toEqual([]);
    expect(result.apps).toEqual([]);
  });

  it("a service chart change affects that chart only, and it is not confused with the app's own files", async () => {
    const result = await decide(['charts/storefront/values-prod.yaml']);
    expect(result.chartNames).toEqual(['chart-storefront']);
    expect(result.apps).toEqual([]);
  });

  it('a lockfile change affects only the apps whose runtime dependencies changed, and is not given to Nx', async () => {
    const lockfile: LockfileVerdict = {
      kind: 'compared',
      changesByApp: new Map([
        ['catalog-api', []],
        ['checkout-api', [{ name: 'undici', before: ['8.0.0'], after: ['8.1.0'] }]],
        ['storefront', []],
      ]),
    };
    const result = await decide(['package-lock.json'], lockfile);
    expect(result.apps).toEqual([{ name: 'checkout-api', reasons: ['runtime dependencies changed in package-lock.json: undici 8.0.0 → 8.1.0'] }]);
    expect(result.calls).toEqual([]);
  });

  it('a lockfile change that cannot be compared affects every app', async () => {
    const result = await decide(['package-lock.json'], { kind: 'unknown', because: 'there is no base revision of it to compare with' });
    expect(result.appNames).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(result.apps[0]?.reasons[0]).toBe(
      'package-lock.json changed and there is no base revision of it to compare with: every app is treated as affected',
    );
  });

  it('no base commit means every app and chart', async () => {
    const m = model();
    const result = await decideAffected({ model: m, changes: { kind: 'everything', because: 'first run' }, lockfile: null, nxAffected: fakeNx(m).nxAffected });
    expect(result.apps.map((a) => a.name)).toEqual(['catalog-api', 'checkout-api', 'storefront']);
    expect(result.charts.map((c) => [c.name, c.app, c.reasons])).toEqual([
      ['chart-catalog-api', 'catalog-api', ['first run']],
      ['chart-checkout-api', 'checkout-api', ['first run']],
      ['chart-storefront', 'storefront', ['first run']],
    ]);
  });

  it('collects several reasons for one app without repeating any', async () => {
    const result = await decide(['apps/catalog-api/src/a.ts', 'apps/catalog-api/src/b.ts', 'libs/service-kit/src/server.ts']);
    expect(result.apps.find((a) => a.name === 'catalog-api')?.reasons).toEqual([
      'changed: apps/catalog-api/src/a.ts, apps/catalog-api/src/b.ts',
      'depends on service-kit (catalog-api → service-kit), changed: libs/service-kit/src/server.ts',
    ]);
  });
});

describe('isProductionFile', () => {
  const app = project('catalog-api', 'apps/catalog-api', ['type:app']);
  it.each([
    ['apps/catalog-api/src/main.ts', true],
    ['apps/catalog-api/package.json', true],
    ['apps/catalog-api/src/deep/x.spec.ts', false],
    ['apps/catalog-api/README.md', false],
  ])('%s → %s', (file, expected) => {
    expect(isProductionFile(app, file)).toBe(expected);
  });

  it('counts every file of a project without a production input', () => {
    expect(isProductionFile({ ...app, production: { include: [], exclude: [] } }, 'apps/catalog-api/README.md')).toBe(true);
  });
});

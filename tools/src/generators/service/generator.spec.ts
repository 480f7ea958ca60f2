import Ajv from 'ajv';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { FsTree } from 'nx/src/generators/tree';
import { parse } from 'yaml';
import { renderOverridesTable, tableEnd, tableStart } from '../../charts/values-docs';
import { workspaceRoot } from '../../workspace/root';
import { containerPort, serviceGenerator, servicePort } from './generator';
import { nextServePort, ServiceOptionsError } from './options';
import { readWorkspaceFacts, sharedSchemaPath } from './workspace-facts';

/** The real workspace as a tree: reads come from disk, writes stay in memory. */
const workspaceTree = (): Tree => new FsTree(workspaceRoot, false);

const text = (tree: Tree, file: string): string => {
  const content = tree.read(file, 'utf-8');
  if (content === null) throw new Error(`${file} was not generated`);
  return content;
};

const changes = (tree: Tree) =>
  tree
    .listChanges()
    .map((change) => `${change.type} ${change.path}`)
    .sort();

const appFiles = [
  'README.md',
  'eslint.config.mjs',
  'jest.config.cjs',
  'package.json',
  'src/greetings.ts',
  'src/main.ts',
  'src/server.spec.ts',
  'src/server.ts',
  'src/shutdown.spec.ts',
  'tsconfig.build.json',
  'tsconfig.json',
  'tsconfig.spec.json',
];
const chartFiles = ['Chart.yaml', 'README.md', 'project.json', 'templates/NOTES.txt', 'values.yaml'];
const baseValues = () => text(workspaceTree(), 'charts/service/values.yaml');
const overridesTable = (tree: Tree, chart: string) => renderOverridesTable(text(tree, `charts/${chart}/values.yaml`), baseValues(), 'service');

describe('the file plan', () => {
  it('creates the app and the chart, and registers the package in package-lock.json', async () => {
    const tree = workspaceTree();
    await serviceGenerator(tree, { name: 'orders-api' });
    expect(changes(tree)).toEqual(
      [...appFiles.map((f) => `CREATE apps/orders-api/${f}`), ...chartFiles.map((f) => `CREATE charts/orders-api/${f}`), 'UPDATE package-lock.json'].sort(),
    );
  });

  it('with --callers also updates each caller chart: values and README table', async () => {
    const tree = workspaceTree();
    await serviceGenerator(tree, { name: 'orders-api', callers: 'storefront,checkout-api' });
    expect(changes(tree).filter((change) => !change.includes('/orders-api/'))).toEqual([
      'UPDATE charts/checkout-api/README.md',
      'UPDATE charts/checkout-api/values.yaml',
      'UPDATE charts/storefront/README.md',
      'UPDATE charts/storefront/values.yaml',
      'UPDATE package-lock.json',
    ]);
  });
});

describe('wired exactly like catalog-api', () => {
  let tree: Tree;
  beforeAll(async () => {
    tree = workspaceTree();
    await serviceGenerator(tree, { name: 'orders-api', description: 'Takes orders.' });
  });

  it.each(['tsconfig.json', 'tsconfig.build.json', 'tsconfig.spec.json', 'jest.config.cjs', 'eslint.config.mjs'])('%s is the same file', (file) => {
    expect(text(tree, `apps/orders-api/${file}`)).toBe(text(tree, `apps/catalog-api/${file}`));
  });

  it('package.json: same runtime dependencies, serve with the telemetry preload, docker-build with the same inputs', () => {
    const catalog = readJson(tree, 'apps/catalog-api/package.json');
    const orders = readJson(tree, 'apps/orders-api/package.json');
    const port = nextServePort(readWorkspaceFacts(workspaceTree()));
    expect(orders).toMatchObject({ name: '@shipyard/orders-api', version: '0.1.0', private: true, description: 'Takes orders.', type: 'commonjs', main: './dist/main.js' });
    expect(orders.scripts).toEqual({ build: 'tsc -p tsconfig.build.json' });
    expect(orders.dependencies).toEqual(catalog.dependencies);
    expect(orders.nx.name).toBe('orders-api');
    expect(orders.nx.tags).toEqual(['type:app', 'scope:orders-api']);
    expect(orders.nx.projectType).toBe('application');
    const expectedTargets = JSON.parse(JSON.stringify(catalog.nx.targets).replaceAll('catalog-api', 'orders-api'));
    expectedTargets.serve.options.env.PORT = String(port);
    expect(orders.nx.targets).toEqual(expectedTargets);
  });

  it('main.ts runs the service through service-kit under its own name', () => {
    const main = text(tree, 'apps/orders-api/src/main.ts');
    expect(main).toContain("import { runService } from '@shipyard/service-kit';");
    expect(main).toContain("name: 'orders-api',");
    expect(main).toContain('setup: (ctx) => buildOrdersApiApp(ctx),');
    expect(text(tree, 'apps/orders-api/src/server.ts')).toContain('export function buildOrdersApiApp(ctx: ServiceContext): Express {');
  });

  it('has no template, schema or overlay of its own: charts/service holds them once', () => {
    for (const file of ['values.schema.json', 'templates/deployment.yaml', 'values-dev.yaml']) expect(tree.exists(`charts/orders-api/${file}`)).toBe(false);
  });

  it('values.yaml differs from catalog-api\'s only in the names and the allowed callers', () => {
    const expected = text(tree, 'charts/catalog-api/values.yaml')
      .replaceAll('catalog-api', 'orders-api')
      .replace(/ {4}allowedCallers:\n( {6}- .+\n)+/, '    allowedCallers: []\n');
    expect(text(tree, 'charts/orders-api/values.yaml')).toBe(expected);
  });

  it('is at most 40 lines of YAML', () => {
    const lines = ['Chart.yaml', 'values.yaml'].reduce((sum, file) => sum + text(tree, `charts/orders-api/${file}`).trimEnd().split('\n').length, 0);
    expect(lines).toBeLessThanOrEqual(40);
  });

  it('Chart.yaml depends on charts/service at its version', () => {
    const chart = parse(text(tree, 'charts/orders-api/Chart.yaml'));
    const base = parse(text(tree, 'charts/service/Chart.yaml'));
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'orders-api', type: 'application', version: '0.1.0', appVersion: '0.1.0' });
    expect(chart.description).toContain('Takes orders.');
    expect(chart.dependencies).toEqual([{ name: 'service', version: base.version, repository: 'file://../service' }]);
  });

  it('project.json is chart-catalog-api with the new name', () => {
    const expected = JSON.parse(text(tree, 'charts/catalog-api/project.json').replaceAll('catalog-api', 'orders-api').replaceAll('scope:catalog', 'scope:orders-api'));
    expect(readJson(tree, 'charts/orders-api/project.json')).toEqual(expected);
  });

  it('the chart README carries the table of the values it sets, generated from values.yaml', () => {
    const readme = text(tree, 'charts/orders-api/README.md');
    const table = readme.slice(readme.indexOf(tableStart) + tableStart.length, readme.indexOf(tableEnd)).trim();
    expect(table).toBe(overridesTable(tree, 'orders-api').trim());
  });

  it('package-lock.json lists the new workspace package and its link', () => {
    const lock = readJson(tree, 'package-lock.json');
    expect(lock.packages['apps/orders-api']).toEqual({ name: '@shipyard/orders-api', version: '0.1.0', dependencies: readJson(tree, 'apps/catalog-api/package.json').dependencies });
    expect(lock.packages['node_modules/@shipyard/orders-api']).toEqual({ resolved: 'apps/orders-api', link: true });
  });
});

describe('callers', () => {
  it('admits each caller in the NetworkPolicy and gives it a callees entry (egress and the base URL variable)', async () => {
    const tree = workspaceTree();
    const before = parse(text(tree, 'charts/storefront/values.yaml'));
    await serviceGenerator(tree, { name: 'orders-api', callers: ['storefront'] });

    expect(parse(text(tree, 'charts/orders-api/values.yaml')).service.networkPolicy.allowedCallers).toEqual(['storefront']);
    const after = parse(text(tree, 'charts/storefront/values.yaml'));
    expect(after.service.callees).toEqual([...before.service.callees, { name: 'orders-api', service: 'orders-api', port: servicePort, targetPort: containerPort, envVar: 'ORDERS_API_BASE_URL' }]);
    expect({ service: { ...after.service, callees: before.service.callees } }).toEqual(before);

    const readme = text(tree, 'charts/storefront/README.md');
    expect(readme).toContain(overridesTable(tree, 'storefront'));
    expect(readme).toContain('"envVar":"ORDERS_API_BASE_URL"');
  });

  it('accepts repeated and comma-separated callers, once each', async () => {
    const tree = workspaceTree();
    await serviceGenerator(tree, { name: 'orders-api', callers: ['storefront', 'checkout-api,storefront'] });
    expect(parse(text(tree, 'charts/orders-api/values.yaml')).service.networkPolicy.allowedCallers).toEqual(['checkout-api', 'storefront']);
  });
});

describe('the generated values', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(text(workspaceTree(), sharedSchemaPath)));

  it.each([[[]], [['storefront']]])('pass the shared values schema over the base chart defaults (callers %j)', async (callers) => {
    const tree = workspaceTree();
    await serviceGenerator(tree, { name: 'orders-api', callers });
    // helm merges the chart's service: values over charts/service/values.yaml and checks the result; lists replace, maps merge.
    const merge = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(
        [...new Set([...Object.keys(base), ...Object.keys(over)])].map((key) => {
          const [b, o] = [base[key], over[key]];
          const isMap = (v: unknown) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
          return [key, isMap(b) && isMap(o) ? merge(b as Record<string, unknown>, o as Record<string, unknown>) : o === undefined ? b : o];
        }),
      );
    for (const file of ['charts/orders-api/values.yaml', ...callers.map((caller) => `charts/${caller}/values.yaml`)]) {
      const values = merge(parse(baseValues()), parse(text(tree, file)).service);
      expect({ file, valid: validate(values), errors: validate.errors ?? null }).toEqual({ file, valid: true, errors: null });
    }
  });
});

describe('options', () => {
  it('serves on the next free local port unless --port is given', async () => {
    const facts = readWorkspaceFacts(workspaceTree());
    const tree = workspaceTree();
    await serviceGenerator(tree, { name: 'orders-api', port: 4100 });
    expect(readJson(tree, 'apps/orders-api/package.json').nx.targets.serve.options.env.PORT).toBe('4100');
    expect(nextServePort(facts)).toBe(Math.max(...facts.servePorts.values()) + 1);
    expect(facts.servePorts.get('catalog-api')).toBe(3001);
  });

  it('takes the scope tag from --scope', async () => {
    const tree = workspaceTree();
    await serviceGenerator(tree, { name: 'orders-api', scope: 'orders' });
    expect(readJson(tree, 'apps/orders-api/package.json').nx.tags).toEqual(['type:app', 'scope:orders']);
    expect(readJson(tree, 'charts/orders-api/project.json').tags).toEqual(['type:chart', 'scope:orders']);
  });
});

describe('rejected input writes nothing', () => {
  it.each([
    ['Orders-Api', {}, ['contains uppercase letters ("O", "A"): service names are lowercase'], 'orders-api'],
    ['orders api', {}, ['contains spaces: join words with hyphens'], 'orders-api'],
    ['common', {}, ['is reserved: the library chart every service chart builds on (charts/common)'], undefined],
    [
      'catalog-api',
      {},
      [
        'is already taken: project catalog-api lives in apps/catalog-api',
        'is already taken: project chart-catalog-api lives in charts/catalog-api',
        'is already taken: a workspace package is named @shipyard/catalog-api',
      ],
      undefined,
    ],
    ['contracts', {}, ['is already taken: project contracts lives in libs/contracts', 'is already taken: a workspace package is named @shipyard/contracts'], undefined],
    ['pipelines', {}, ['is reserved: the pipeline templates project (pipelines/)'], undefined],
    ['orders-api', { callers: 'storefront,payments' }, ['--callers: "payments" is not a service of this workspace (services with a chart: catalog-api, checkout-api, storefront)'], undefined],
    ['orders-api', { callers: 'orders-api' }, ['--callers names the new service itself ("orders-api")'], undefined],
    ['orders-api', { port: 3001 }, ['--port 3001 is already the serve port of catalog-api'], undefined],
    ['orders-api', { port: 80 }, ['--port 80: expected an integer 1024-65535'], undefined],
    ['orders-api', { description: 'two\nlines' }, ['--description must be one line'], undefined],
    ['orders-api', { scope: 'Orders' }, ['--scope "Orders": expected lowercase letters, digits and hyphens (it becomes the tag scope:Orders)'], undefined],
  ])('%s %j', async (name, extra, problems, suggestion) => {
    const tree = workspaceTree();
    const run = serviceGenerator(tree, { name, ...extra });
    await expect(run).rejects.toBeInstanceOf(ServiceOptionsError);
    await expect(run).rejects.toMatchObject({ problems });
    await expect(run).rejects.toThrow(suggestion ? `Try "${suggestion}".\nNothing was written.` : /\n {2}- .+\nNothing was written\.$/);
    expect(tree.listChanges()).toEqual([]);
  });

  it('a caller that already uses the variable stops the run before anything is written', async () => {
    const tree = workspaceTree();
    // checkout-api already calls catalog-api through CATALOG_BASE_URL: a service named "catalog" would take the same variable.
    await expect(serviceGenerator(tree, { name: 'catalog', callers: 'checkout-api' })).rejects.toThrow(
      'charts/checkout-api/values.yaml: the callee catalog-api already uses the variable CATALOG_BASE_URL',
    );
    expect(tree.listChanges()).toEqual([]);
  });

  it('a workspace without the service runtime is reported, not half-generated', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await expect(serviceGenerator(tree, { name: 'orders-api' })).rejects.toThrow('the service generator needs the service-kit library project, which this workspace does not have');
  });
});

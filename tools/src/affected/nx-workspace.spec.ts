import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProjectGraph } from '@nx/devkit';
import { workspaceRoot } from '../workspace/root';
import { parseLockfile, runtimeClosure } from './lockfile-changes';
import { buildWorkspaceModel, loadProjectGraph, nxAffectedProjects, productionGlobs } from './nx-workspace';

describe('productionGlobs', () => {
  it("expands the `production` named input into the project's own globs, through the named inputs it names", () => {
    const namedInputs = {
      default: ['{projectRoot}/**/*', 'sharedGlobals'],
      sharedGlobals: ['{workspaceRoot}/tsconfig.base.json'],
      production: ['default', '!{projectRoot}/**/*.spec.ts', '!{projectRoot}/README.md', { fileset: '{projectRoot}/extra/**' }],
    };
    expect(productionGlobs(namedInputs, 'apps/web')).toEqual({
      include: ['apps/web/**/*', 'apps/web/extra/**'],
      exclude: ['apps/web/**/*.spec.ts', 'apps/web/README.md'],
    });
    expect(productionGlobs({ default: ['{projectRoot}/**/*'] }, 'apps/web')).toEqual({ include: [], exclude: [] });
  });
});

describe('buildWorkspaceModel', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-model-'));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };
    write('nx.json', JSON.stringify({ namedInputs: { production: ['{projectRoot}/**/*', '!{projectRoot}/**/*.spec.ts'] } }));
    write('charts/common/Chart.yaml', 'apiVersion: v2\nname: common\ntype: library\nversion: 0.1.0\n');
    write('charts/base/Chart.yaml', 'apiVersion: v2\nname: base\ntype: library\nversion: 0.1.0\ndependencies:\n  - name: common\n    repository: file://../common\n');
    write(
      'charts/web/Chart.yaml',
      'apiVersion: v2\nname: web\ntype: application\nversion: 0.1.0\ndependencies:\n  - name: base\n    repository: file://../base\n  - name: redis\n    repository: oci://registry.example/charts\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const node = (name: string, root: string, tags: string[]) => ({ name, type: 'app' as const, data: { root, tags, targets: {} } });
  const graph = {
    nodes: {
      web: node('web', 'apps/web', ['type:app']),
      kit: node('kit', 'libs/kit', ['type:lib']),
      'chart-web': node('chart-web', 'charts/web', ['type:chart']),
      'chart-common': node('chart-common', 'charts/common', ['type:chart']),
    },
    externalNodes: {},
    dependencies: { web: [{ source: 'web', target: 'kit', type: 'static' }, { source: 'web', target: 'npm:express', type: 'static' }], kit: [] },
  } as unknown as ProjectGraph;

  it('finds apps by their type:app tag and application charts by type:chart, leaving library charts out', () => {
    const model = buildWorkspaceModel(graph, dir);
    expect(model.apps).toEqual(['web']);
    expect(model.charts).toEqual([{ name: 'chart-web', root: 'charts/web', library: false, chartDependencyRoots: ['charts/base', 'charts/common'], app: 'web' }]);
  });

  it('keeps only workspace projects as dependencies, and production globs per project', () => {
    const model = buildWorkspaceModel(graph, dir);
    expect(model.dependencies.get('web')).toEqual(['kit']);
    expect(model.projects.get('kit')?.production).toEqual({ include: ['libs/kit/**/*'], exclude: ['libs/kit/**/*.spec.ts'] });
  });
});

describe('the real workspace graph', () => {
  let graph: ProjectGraph;
  beforeAll(async () => {
    process.chdir(workspaceRoot);
    graph = await loadProjectGraph();
  }, 60_000);

  it('lists the deployable apps from their tags', () => {
    expect(buildWorkspaceModel(graph, workspaceRoot).apps).toEqual(['catalog-api', 'checkout-api', 'storefront']);
  });

  it('lists the service charts (chart-<app>, over charts/service and charts/common) and the generic chart, leaving the library chart out', () => {
    expect(buildWorkspaceModel(graph, workspaceRoot).charts).toEqual([
      ...['catalog-api', 'checkout-api'].map((app) => ({ name: `chart-${app}`, root: `charts/${app}`, library: false, chartDependencyRoots: ['charts/common', 'charts/service'], app })),
      { name: 'chart-service', root: 'charts/service', library: false, chartDependencyRoots: ['charts/common'], app: undefined },
      { name: 'chart-storefront', root: 'charts/storefront', library: false, chartDependencyRoots: ['charts/common', 'charts/service'], app: 'storefront' },
    ]);
  });

  const nxShowAffected = (files: string[]) =>
    (
      JSON.parse(
        execFileSync(path.join(workspaceRoot, 'node_modules', '.bin', 'nx'), ['show', 'projects', '--affected', `--files=${files.join(',')}`, '--json'], {
          cwd: workspaceRoot,
          encoding: 'utf8',
          env: { ...process.env, NX_DAEMON: 'false' },
        }),
      ) as string[]
    ).sort();

  it.each([[['libs/contracts/src/index.ts']], [['apps/checkout-api/src/main.ts']], [['libs/service-kit/src/index.ts', 'apps/storefront/src/main.ts']]])(
    'agrees with `nx show projects --affected` for source changes (%j)',
    async (files) => {
      const ours = [...nxAffectedProjects(graph, files, workspaceRoot)].sort();
      expect(ours).toEqual(nxShowAffected(files));
    },
    60_000,
  );

  it('ignores workspace files that only test or lint targets name (unlike plain nx affected)', async () => {
    expect([...nxAffectedProjects(graph, ['jest.preset.cjs'], workspaceRoot)]).toEqual([]);
    expect(nxShowAffected(['jest.preset.cjs']).length).toBeGreaterThan(0);
  }, 60_000);

  it("follows files a docker-build target names: the shared Dockerfile reaches every app's image", async () => {
    const affected = nxAffectedProjects(graph, ['tools/docker/node-service.Dockerfile'], workspaceRoot);
    expect(['catalog-api', 'checkout-api', 'storefront'].filter((app) => affected.has(app))).toEqual(['catalog-api', 'checkout-api', 'storefront']);
  });

  // Why package-lock.json is judged per app (lockfile-changes.ts) on top of nx.json's
  // projectsAffectedByDependencyUpdates "auto": Nx walks back from each changed package through
  // the graph's npm edges, and those include what specs import. A supertest bump would rebuild
  // every image although no image contains supertest.
  it("ties apps to their test tools through npm edges, which the apps' pruned runtime closure leaves out", () => {
    const lock = parseLockfile(readFileSync(path.join(workspaceRoot, 'package-lock.json'), 'utf8'));
    for (const app of ['catalog-api', 'checkout-api', 'storefront']) {
      expect(graph.dependencies[app]?.map((edge) => edge.target)).toContain('npm:supertest');
      expect([...runtimeClosure(lock, `apps/${app}`).values()].map((pkg) => pkg.name)).not.toContain('supertest');
    }
  });

  it('still follows workspace files that builds name (tsconfig.base.json reaches every app)', async () => {
    const affected = nxAffectedProjects(graph, ['tsconfig.base.json'], workspaceRoot);
    expect(['catalog-api', 'checkout-api', 'storefront'].every((app) => affected.has(app))).toBe(true);
  });
});

import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { generateFiles, logger, readJson, writeJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { serviceValuesKey } from '../../charts/layout';
import { renderOverridesTable, withValuesTable } from '../../charts/values-docs';
import { calleeFor, withCallee } from './callers';
import { withWorkspacePackage, type LockfileV3 } from './lockfile';
import { resolveServiceOptions, type ServiceGeneratorSchema, type ServiceOptions } from './options';
import { readWorkspaceFacts, type WorkspaceFacts } from './workspace-facts';

/** Ports every service chart uses: the Service answers on 80, the container listens on 8080. */
export const servicePort = 80;
export const containerPort = 8080;

const templates = path.join(__dirname, 'files');
export const appRoot = (name: string) => `apps/${name}`;
export const chartRoot = (name: string) => `charts/${name}`;

/** The app's package.json: its runtime dependencies and the Nx targets the existing services have. */
export function appManifest(options: ServiceOptions, facts: Pick<WorkspaceFacts, 'appDependencies'>) {
  return {
    name: `@shipyard/${options.name}`,
    version: '0.1.0',
    private: true,
    description: options.description,
    type: 'commonjs',
    main: './dist/main.js',
    scripts: { build: 'tsc -p tsconfig.build.json' },
    dependencies: { ...facts.appDependencies },
    nx: {
      name: options.name,
      projectType: 'application',
      tags: ['type:app', `scope:${options.scope}`],
      targets: {
        serve: {
          continuous: true,
          dependsOn: ['build'],
          command: 'node --require @shipyard/telemetry/preload dist/main.js',
          options: { cwd: '{projectRoot}', env: { HOST: '127.0.0.1', PORT: String(options.port), LOG_LEVEL: 'info' } },
        },
        'docker-build': {
          dependsOn: ['build'],
          command: `shipyard images build ${options.name}`,
          inputs: ['production', '^production', '{workspaceRoot}/tools/docker/node-service.Dockerfile'],
          options: { cwd: '{workspaceRoot}' },
          cache: false,
        },
      },
    },
  };
}

/** The chart's Nx project (chart-<name>): lint and verify through the shipyard CLI, cached on the chart's files. */
export function chartProject(options: ServiceOptions) {
  const target = (command: string) => ({
    command: `npx shipyard charts ${command} ${options.name}`,
    options: { cwd: '{workspaceRoot}' },
    inputs: ['chartFiles', '^chartFiles', 'chartTooling'],
    cache: true,
  });
  return {
    $schema: '../../node_modules/nx/schemas/project-schema.json',
    name: `chart-${options.name}`,
    projectType: 'library',
    sourceRoot: chartRoot(options.name),
    tags: ['type:chart', `scope:${options.scope}`],
    implicitDependencies: ['chart-service'],
    namedInputs: {
      chartFiles: ['{projectRoot}/**/*', '{workspaceRoot}/charts/environments/**/*'],
      chartTooling: [
        '{workspaceRoot}/tools/src/charts/**/*',
        '{workspaceRoot}/tools/src/helm/**/*',
        '{workspaceRoot}/tools/src/commands/charts.ts',
        '!{workspaceRoot}/tools/src/**/*.spec.ts',
      ],
    },
    targets: { lint: target('lint'), test: target('verify') },
  };
}

function readText(tree: Tree, file: string): string {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} does not exist`);
  return text;
}

/** The README's values table, regenerated from values.yaml (what `shipyard charts readme --write` does). */
function refreshValuesTable(tree: Tree, chart: string, facts: Pick<WorkspaceFacts, 'baseValues'>): void {
  const readme = `${chart}/README.md`;
  tree.write(readme, withValuesTable(readText(tree, readme), renderOverridesTable(readText(tree, `${chart}/values.yaml`), facts.baseValues, serviceValuesKey)));
}

/** The `npm install` link of a workspace package, so node_modules matches the lockfile without a reinstall. */
function linkWorkspacePackage(workspaceRoot: string, options: ServiceOptions): void {
  const scopeDir = path.join(workspaceRoot, 'node_modules', '@shipyard');
  const link = path.join(scopeDir, options.name);
  if (!existsSync(scopeDir) || lstatSync(scopeDir).isSymbolicLink()) return;
  if (existsSync(link)) return;
  symlinkSync(path.join('..', '..', appRoot(options.name)), link);
}

function nextSteps(options: ServiceOptions): string[] {
  const { name } = options;
  return [
    `Created service ${name}: apps/${name} (Nx project ${name}, tags type:app scope:${options.scope}) and charts/${name} (Nx project chart-${name}).`,
    ...options.callers.map(
      (caller) =>
        `${caller}: charts/${caller}/values.yaml now lists ${name} under service.callees (egress to port ${containerPort}, ${options.constantName}_BASE_URL); read that variable in apps/${caller} to call it.`,
    ),
    `Check it: npx nx run-many -t lint,test,build -p ${name} chart-${name}`,
    `Run it:   npx nx run ${name}:serve   (http://127.0.0.1:${options.port})`,
    'Commit the new folders and package-lock.json: affected, images, release and deploy find the service through the Nx project graph.',
  ];
}

/**
 * nx g @shipyard/tools:service <name> [--callers a,b] [--description …] [--port n] [--scope s]
 *
 * Creates apps/<name> (Express service on service-kit, telemetry preload, contracts; lint,
 * test, build, serve, docker-build) and charts/<name> (values and NOTES.txt over the generic
 * charts/service, which holds templates, defaults and schema); registers the package in package-lock.json; gives each
 * caller a callees entry. Every check runs before the first write, and Nx only writes the
 * tree when the generator returns, so a rejected name leaves the workspace untouched.
 */
export async function serviceGenerator(tree: Tree, schema: ServiceGeneratorSchema): Promise<GeneratorCallback> {
  const facts = readWorkspaceFacts(tree);
  const options = resolveServiceOptions(schema, facts);
  const callee = calleeFor(options, { service: servicePort, container: containerPort });
  const callerValues = options.callers.map((caller) => {
    const file = `${chartRoot(caller)}/values.yaml`;
    return { caller, file, text: withCallee(readText(tree, file), callee, file) };
  });
  const manifest = appManifest(options, facts);
  const lock = withWorkspacePackage(readJson<LockfileV3>(tree, 'package-lock.json'), appRoot(options.name), manifest);

  const substitutions = { ...options, servicePort, containerPort, baseChartVersion: facts.baseChartVersion };
  generateFiles(tree, path.join(templates, 'app'), appRoot(options.name), substitutions);
  writeJson(tree, `${appRoot(options.name)}/package.json`, manifest);

  const chart = chartRoot(options.name);
  generateFiles(tree, path.join(templates, 'chart'), chart, substitutions);
  writeJson(tree, `${chart}/project.json`, chartProject(options));
  refreshValuesTable(tree, chart, facts);

  for (const { caller, file, text } of callerValues) {
    tree.write(file, text);
    refreshValuesTable(tree, chartRoot(caller), facts);
  }
  writeJson(tree, 'package-lock.json', lock);

  return () => {
    linkWorkspacePackage(tree.root, options);
    for (const line of nextSteps(options)) logger.info(line);
  };
}

export default serviceGenerator;

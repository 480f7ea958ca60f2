import { getProjects, readJson, type Tree } from '@nx/devkit';
import { parse } from 'yaml';
import { APP_TAG } from '../../affected/workspace-model';

/** What the generator needs to know about the workspace, read once from the Nx tree. */
export interface WorkspaceFacts {
  /** Every Nx project name with its root folder. */
  projects: ReadonlyMap<string, string>;
  /** npm package names of the workspace projects (@shipyard/…). */
  packageNames: ReadonlySet<string>;
  /** Deployable apps (tagged type:app) that have a chart with a values.yaml: who can be a caller. */
  services: readonly string[];
  /** Local `serve` port of each app (its serve target's PORT). */
  servePorts: ReadonlyMap<string, number>;
  /** Runtime dependencies of a new service, at the versions the workspace already uses. */
  appDependencies: Readonly<Record<string, string>>;
  /** Version of charts/service, the generic chart every service chart depends on. */
  baseChartVersion: string;
  /** charts/service/values.yaml: the documented values a service chart sets under service:. */
  baseValues: string;
  exists(path: string): boolean;
}

/** The workspace libraries every service is built on: runtime, telemetry preload, contracts. */
export const runtimeLibraries = ['service-kit', 'telemetry', 'contracts'] as const;
/** Packages a service uses directly, at the version the service runtime pins. */
export const runtimeFrameworks = ['express', 'zod'] as const;
export const baseChartRoot = 'charts/service';
export const sharedSchemaPath = `${baseChartRoot}/values.schema.json`;

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the service generator needs ${what}, which this workspace does not have`);
  return value;
}

function servePort(target: { options?: { env?: Record<string, unknown> } } | undefined): number | undefined {
  const port = Number(target?.options?.env?.PORT);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

export function readWorkspaceFacts(tree: Tree): WorkspaceFacts {
  const projects = getProjects(tree);
  const packageNames = new Set<string>();
  for (const project of projects.values()) {
    const manifest = `${project.root}/package.json`;
    if (tree.exists(manifest)) {
      const name = readJson<PackageJson>(tree, manifest).name;
      if (name) packageNames.add(name);
    }
  }

  const apps = [...projects].filter(([, project]) => project.tags?.includes(APP_TAG));
  const services = apps.map(([name]) => name).filter((name) => tree.exists(`charts/${name}/values.yaml`)).sort();
  const servePorts = new Map<string, number>();
  for (const [name, project] of apps) {
    const port = servePort(project.targets?.serve);
    if (port !== undefined) servePorts.set(name, port);
  }

  const libraryManifest = (library: string): PackageJson => {
    const root = required(projects.get(library)?.root, `the ${library} library project`);
    return readJson<PackageJson>(tree, `${root}/package.json`);
  };
  const appDependencies: Record<string, string> = {};
  for (const library of runtimeLibraries) {
    const manifest = libraryManifest(library);
    appDependencies[required(manifest.name, `a name in ${library}'s package.json`)] = required(manifest.version, `a version in ${library}'s package.json`);
  }
  const kitDependencies = libraryManifest('service-kit').dependencies ?? {};
  for (const framework of runtimeFrameworks) {
    appDependencies[framework] = required(kitDependencies[framework], `${framework} among service-kit's dependencies`);
  }

  const baseChart = tree.read(`${baseChartRoot}/Chart.yaml`, 'utf-8');
  const baseChartVersion = required((parse(required(baseChart ?? undefined, `${baseChartRoot}/Chart.yaml`)) as { version?: string }).version, `a version in ${baseChartRoot}/Chart.yaml`);
  const baseValues = required(tree.read(`${baseChartRoot}/values.yaml`, 'utf-8') ?? undefined, `${baseChartRoot}/values.yaml`);

  return {
    projects: new Map([...projects].map(([name, project]) => [name, project.root])),
    packageNames,
    services,
    servePorts,
    appDependencies: Object.fromEntries(Object.entries(appDependencies).sort(([a], [b]) => a.localeCompare(b))),
    baseChartVersion,
    baseValues,
    exists: (path) => tree.exists(path),
  };
}

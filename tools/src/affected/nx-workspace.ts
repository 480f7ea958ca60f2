import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createProjectGraphAsync, reverse, type ProjectGraph, type ProjectGraphProjectNode } from '@nx/devkit';
import { parse as parseYaml } from 'yaml';
import { APP_TAG, CHART_TAG, type ChartInfo, type ProjectInfo, type WorkspaceModel } from './workspace-model';

/**
 * Targets whose inputs decide what an app's image contains. Workspace files named only by other
 * targets (jest.preset.cjs for `test`, eslint.config.mjs for `lint`) change no image.
 */
export const RELEASE_TARGETS = ['build', 'docker-build'];

/** The Nx project graph of the workspace (Nx's public API; no daemon, like CI). */
export async function loadProjectGraph(): Promise<ProjectGraph> {
  return createProjectGraphAsync({ exitOnError: false });
}

export function buildWorkspaceModel(graph: ProjectGraph, workspaceRoot: string): WorkspaceModel {
  const projects = new Map<string, ProjectInfo>();
  const namedInputsOf = (node: ProjectGraphProjectNode) => ({ ...readNxNamedInputs(workspaceRoot), ...(node.data.namedInputs ?? {}) });
  for (const node of Object.values(graph.nodes)) {
    projects.set(node.name, {
      name: node.name,
      root: node.data.root,
      tags: node.data.tags ?? [],
      production: productionGlobs(namedInputsOf(node), node.data.root),
    });
  }
  const dependencies = new Map<string, string[]>();
  for (const [source, edges] of Object.entries(graph.dependencies)) {
    if (!graph.nodes[source]) continue;
    dependencies.set(source, [...new Set(edges.map((edge) => edge.target).filter((target) => graph.nodes[target]))]);
  }
  const apps = [...projects.values()].filter((p) => p.tags.includes(APP_TAG)).map((p) => p.name).sort();
  const charts = [...projects.values()]
    .filter((p) => p.tags.includes(CHART_TAG))
    .map((p) => readChart(workspaceRoot, p, new Set(apps)))
    .filter((chart) => !chart.library)
    .sort((a, b) => a.name.localeCompare(b.name));
  return { projects, dependencies, apps, charts };
}

/**
 * Which projects a change to these files reaches, read from Nx's public project graph the way
 * `nx show projects --affected` reads it (nx-workspace.spec.ts compares the two): the project
 * owning each file, every project whose target inputs name it as a `{workspaceRoot}/` file
 * (nx.json names every project), then all their dependents. Only the release targets of
 * non-chart projects count: a workspace file that only a test or lint target names
 * (jest.preset.cjs) changes no image. package-lock.json is judged per app elsewhere
 * (lockfile-changes.ts) and the root package.json reaches an image only through it.
 */
export function nxAffectedProjects(graph: ProjectGraph, files: string[], workspaceRoot: string): Set<string> {
  const touched = new Set<string>();
  if (files.includes('nx.json')) for (const name of Object.keys(graph.nodes)) touched.add(name);
  const byRootLength = Object.values(graph.nodes).sort((a, b) => b.data.root.length - a.data.root.length);
  for (const file of files) {
    const owner = byRootLength.find((node) => node.data.root === '.' || file === node.data.root || file.startsWith(`${node.data.root}/`));
    if (owner) touched.add(owner.name);
  }
  const workspaceNamedInputs = readNxNamedInputs(workspaceRoot);
  for (const node of Object.values(graph.nodes)) {
    const namedInputs = { ...workspaceNamedInputs, ...(node.data.namedInputs ?? {}) };
    const isChart = (node.data.tags ?? []).includes(CHART_TAG);
    const targets = Object.entries(node.data.targets ?? {}).filter(([target]) => isChart || RELEASE_TARGETS.includes(target));
    const globs = targets
      .flatMap(([, target]) => fileInputs(target.inputs ?? [], namedInputs))
      .filter((glob) => glob.startsWith('{workspaceRoot}/'))
      .map((glob) => glob.slice('{workspaceRoot}/'.length));
    if (globs.some((glob) => files.some((file) => path.posix.matchesGlob(file, glob)))) touched.add(node.name);
  }
  const dependents = reverse(graph).dependencies;
  const affected = new Set<string>();
  const visit = (name: string) => {
    if (affected.has(name) || !graph.nodes[name]) return;
    affected.add(name);
    for (const edge of dependents[name] ?? []) visit(edge.target);
  };
  for (const name of touched) visit(name);
  return affected;
}

/** The file globs an input list names (`!` kept), through the named inputs it refers to. */
function fileInputs(inputs: ReadonlyArray<string | object>, namedInputs: NamedInputs, seen = new Set<string>()): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    const text = typeof input === 'string' ? input : 'fileset' in input && typeof input.fileset === 'string' ? input.fileset : null;
    if (text === null) continue;
    if (typeof input !== 'string' || !namedInputs[text]) files.push(text);
    else if (!seen.has(text)) {
      seen.add(text);
      files.push(...fileInputs(namedInputs[text], namedInputs, seen));
    }
  }
  return files;
}

type NamedInputs = Record<string, ReadonlyArray<string | object>>;

function readNxNamedInputs(workspaceRoot: string): NamedInputs {
  const nxJson = JSON.parse(readFileSync(path.join(workspaceRoot, 'nx.json'), 'utf8')) as { namedInputs?: NamedInputs };
  return nxJson.namedInputs ?? {};
}

/** The {projectRoot} globs of the `production` named input, expanded through the named inputs it refers to. */
export function productionGlobs(namedInputs: NamedInputs, root: string): { include: string[]; exclude: string[] } {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const text of fileInputs(['production'], namedInputs)) {
    const negated = text.startsWith('!');
    const glob = negated ? text.slice(1) : text;
    if (glob.startsWith('{projectRoot}/')) (negated ? exclude : include).push(path.posix.join(root, glob.slice('{projectRoot}/'.length)));
  }
  return { include, exclude };
}

const ChartYaml = (text: string) =>
  parseYaml(text) as { type?: string; dependencies?: Array<{ name?: string; repository?: string }> } | null;

function readChart(workspaceRoot: string, project: ProjectInfo, apps: Set<string>): ChartInfo {
  const roots = new Set<string>();
  let library = false;
  const visit = (chartRoot: string, top: boolean) => {
    let chart: ReturnType<typeof ChartYaml>;
    try {
      chart = ChartYaml(readFileSync(path.join(workspaceRoot, chartRoot, 'Chart.yaml'), 'utf8'));
    } catch {
      return;
    }
    if (top) library = chart?.type === 'library';
    for (const dependency of chart?.dependencies ?? []) {
      if (!dependency.repository?.startsWith('file://')) continue;
      const dependencyRoot = path.posix.normalize(path.posix.join(chartRoot, dependency.repository.slice('file://'.length)));
      if (roots.has(dependencyRoot)) continue;
      roots.add(dependencyRoot);
      visit(dependencyRoot, false);
    }
  };
  visit(project.root, true);
  const app = project.name.startsWith('chart-') ? project.name.slice('chart-'.length) : undefined;
  return {
    name: project.name,
    root: project.root,
    library,
    chartDependencyRoots: [...roots].sort(),
    app: app && apps.has(app) ? app : undefined,
  };
}

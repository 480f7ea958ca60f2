import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createProjectGraphAsync, type ProjectGraph, type ProjectGraphProjectNode } from '@nx/devkit';
import { filterAffected } from 'nx/src/project-graph/affected/affected-project-graph';
import { calculateFileChanges } from 'nx/src/project-graph/file-utils';
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
 * Which projects Nx marks affected by these files — Nx's own affected logic (the same that
 * `nx affected -t …` runs in the next pipeline step), over a graph whose non-chart projects keep
 * only their release targets. Nx exports these functions from nx/src/* only; nx is pinned
 * exactly, and nx-workspace.spec.ts fails if an upgrade moves them.
 */
export async function nxAffectedProjects(
  graph: ProjectGraph,
  files: string[],
  revisions: { base?: string; head?: string } | undefined,
): Promise<Set<string>> {
  const changes = calculateFileChanges(files, revisions);
  const affected = await filterAffected(releaseGraph(graph), changes);
  return new Set(Object.keys(affected.nodes));
}

function releaseGraph(graph: ProjectGraph): ProjectGraph {
  const nodes: ProjectGraph['nodes'] = {};
  for (const [name, node] of Object.entries(graph.nodes)) {
    if ((node.data.tags ?? []).includes(CHART_TAG)) {
      nodes[name] = node;
      continue;
    }
    const targets = Object.fromEntries(Object.entries(node.data.targets ?? {}).filter(([target]) => RELEASE_TARGETS.includes(target)));
    nodes[name] = { ...node, data: { ...node.data, targets } };
  }
  return { ...graph, nodes };
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
  const seen = new Set<string>();
  const expand = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const input of namedInputs[name] ?? []) {
      const text = typeof input === 'string' ? input : 'fileset' in input && typeof input.fileset === 'string' ? input.fileset : null;
      if (text === null) continue;
      const negated = text.startsWith('!');
      const glob = negated ? text.slice(1) : text;
      if (!negated && namedInputs[glob]) expand(glob);
      else if (glob.startsWith('{projectRoot}/')) (negated ? exclude : include).push(path.posix.join(root, glob.slice('{projectRoot}/'.length)));
    }
  };
  if (!namedInputs['production']) return { include: [], exclude: [] };
  expand('production');
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

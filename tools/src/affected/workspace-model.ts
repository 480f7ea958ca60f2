/**
 * The slice of the Nx project graph that deployment decisions need, in plain data so the
 * decisions can be unit-tested without Nx.
 */
export interface ProjectInfo {
  name: string;
  root: string;
  tags: string[];
  /**
   * Globs (workspace-relative) of the project's own files that reach its build output: the
   * `{projectRoot}` parts of its `production` named input. A change to any other file of the
   * project (a spec, the lint config, the README) does not change what is deployed.
   */
  production: { include: string[]; exclude: string[] };
}

export interface ChartInfo {
  /** Nx project name, e.g. chart-catalog-api. */
  name: string;
  root: string;
  /** Helm library charts (charts/common) are never deployed themselves. */
  library: boolean;
  /** Folders (workspace-relative) of the charts it pulls in with `repository: file://…`, transitively. */
  chartDependencyRoots: string[];
  /** The app it deploys, when the chart project is named chart-<app>. */
  app: string | undefined;
}

export interface WorkspaceModel {
  projects: Map<string, ProjectInfo>;
  /** Workspace project → the workspace projects it depends on (static, dynamic and implicit edges). */
  dependencies: Map<string, string[]>;
  /** Projects tagged type:app: every one of them is built into an image and deployed. */
  apps: string[];
  /** Projects tagged type:chart that are application charts. */
  charts: ChartInfo[];
}

export const APP_TAG = 'type:app';
export const CHART_TAG = 'type:chart';

/** The project whose root holds `file` (the deepest one), as Nx assigns files to projects. */
export function ownerOf(model: WorkspaceModel, file: string): ProjectInfo | undefined {
  let best: ProjectInfo | undefined;
  for (const project of model.projects.values()) {
    const root = project.root === '.' ? '' : project.root;
    if (root === '' || file === root || file.startsWith(`${root}/`)) {
      if (!best || root.length > (best.root === '.' ? 0 : best.root.length)) best = project;
    }
  }
  return best;
}

/** A dependency chain app → … → target through workspace projects, or null when there is none. */
export function dependencyPath(model: WorkspaceModel, from: string, to: string): string[] | null {
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const current = queue.shift() as string;
    if (current === to) {
      const path = [to];
      while (path[0] !== from) path.unshift(previous.get(path[0] as string) as string);
      return path;
    }
    for (const next of model.dependencies.get(current) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      previous.set(next, current);
      queue.push(next);
    }
  }
  return null;
}

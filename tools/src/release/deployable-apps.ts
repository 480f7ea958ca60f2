import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadProjectGraph } from '../affected/nx-workspace';
import { APP_TAG } from '../affected/workspace-model';
import { CliError, ExitCode } from '../cli/errors';
import { defaultChartsRoot, readChart, type ChartInfo } from '../charts/layout';

export interface DeployableApp {
  name: string;
  chart: ChartInfo;
}

export interface ProjectSummary {
  name: string;
  tags: readonly string[];
}

/** Names of the projects tagged type:app, sorted: every one of them is deployed. */
export function deployableAppNames(projects: readonly ProjectSummary[]): string[] {
  return projects
    .filter((project) => project.tags.includes(APP_TAG))
    .map((project) => project.name)
    .sort();
}

/** Each app with its chart (charts/<app>, one name across every layer). An app without one cannot be deployed. */
export function deployableApps(names: readonly string[], chartsRoot = defaultChartsRoot): DeployableApp[] {
  if (names.length === 0) throw new CliError(`no project is tagged ${APP_TAG}: nothing is deployable`, ExitCode.usage);
  return names.map((name) => {
    const dir = path.join(chartsRoot, name);
    if (!existsSync(path.join(dir, 'Chart.yaml'))) {
      throw new CliError(`app ${name} (tagged ${APP_TAG}) has no chart: expected ${path.join(dir, 'Chart.yaml')}`, ExitCode.usage);
    }
    const chart = readChart(dir);
    if (chart.type !== 'application') throw new CliError(`charts/${name} is a ${chart.type} chart; an app needs an application chart`, ExitCode.usage);
    return { name, chart };
  });
}

/** The deployable apps of this workspace, from the Nx project graph. */
export async function loadDeployableApps(chartsRoot = defaultChartsRoot): Promise<DeployableApp[]> {
  const graph = await loadProjectGraph();
  const projects = Object.values(graph.nodes).map((node) => ({ name: node.name, tags: node.data.tags ?? [] }));
  return deployableApps(deployableAppNames(projects), chartsRoot);
}

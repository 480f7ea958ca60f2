import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { workspaceRoot } from '../workspace/root';

/** The environments every service chart is rendered and checked for. */
export const environments = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof environments)[number];

export const defaultChartsRoot = path.join(workspaceRoot, 'charts');

const chartYaml = z.object({
  apiVersion: z.literal('v2'),
  name: z.string().min(1),
  version: z.string().min(1),
  type: z.enum(['application', 'library']).default('application'),
  dependencies: z.array(z.object({ name: z.string(), version: z.string(), repository: z.string() })).default([]),
});

export interface ChartInfo {
  name: string;
  dir: string;
  type: 'application' | 'library';
  version: string;
  /** Folders of the file:// dependencies, absolute. */
  localDependencies: string[];
}

/** Every chart under the charts folder (a folder with a Chart.yaml), sorted by name. */
export function listCharts(chartsRoot = defaultChartsRoot): ChartInfo[] {
  return readdirSync(chartsRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(chartsRoot, entry.name, 'Chart.yaml')))
    .map((entry) => readChart(path.join(chartsRoot, entry.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function readChart(dir: string): ChartInfo {
  const parsed = chartYaml.safeParse(parse(readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')));
  if (!parsed.success) throw new CliError(`${path.join(dir, 'Chart.yaml')}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, ExitCode.usage);
  const chart = parsed.data;
  if (chart.name !== path.basename(dir)) throw new CliError(`${dir}: Chart.yaml names the chart "${chart.name}"; the folder must have the same name`, ExitCode.usage);
  return {
    name: chart.name,
    dir,
    type: chart.type,
    version: chart.version,
    localDependencies: chart.dependencies.filter((d) => d.repository.startsWith('file://')).map((d) => path.resolve(dir, d.repository.slice('file://'.length))),
  };
}

/** The chart named, or a usage error listing the charts there are. */
export function findChart(name: string, chartsRoot = defaultChartsRoot): ChartInfo {
  const charts = listCharts(chartsRoot);
  const chart = charts.find((c) => c.name === name);
  if (!chart) throw new CliError(`no chart "${name}" under ${chartsRoot}; charts: ${charts.map((c) => c.name).join(', ')}`, ExitCode.usage);
  return chart;
}

export function parseEnvironment(value: string): Environment {
  if (!(environments as readonly string[]).includes(value)) throw new CliError(`unknown environment "${value}"; allowed: ${environments.join(', ')}`, ExitCode.usage);
  return value as Environment;
}

/**
 * Values files for one environment, in the order helm applies them: the values every service
 * shares in that environment (charts/environments/<env>.yaml), then the chart's own overlay.
 */
export function environmentValueFiles(chart: ChartInfo, environment: Environment, chartsRoot = defaultChartsRoot): string[] {
  const files = [path.join(chartsRoot, 'environments', `${environment}.yaml`), path.join(chart.dir, `values-${environment}.yaml`)];
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new CliError(`${chart.name} (${environment}): missing values file(s) ${missing.map((f) => path.relative(workspaceRoot, f)).join(', ')}`, ExitCode.usage);
  return files;
}

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

/**
 * What a chart is for: `library` holds helpers (charts/common); `base` is the one application
 * chart with templates, defaults and schema (charts/service); `service` is a service's own chart,
 * its values and NOTES.txt only, depending on the base chart by file:// (its values live under
 * `serviceValuesKey`).
 */
export type ChartRole = 'library' | 'base' | 'service';

/** The key a service chart's values live under: the name of the base chart it depends on. */
export const serviceValuesKey = 'service';

export interface ChartInfo {
  name: string;
  dir: string;
  type: 'application' | 'library';
  role: ChartRole;
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
  const localDependencies = chart.dependencies.filter((d) => d.repository.startsWith('file://')).map((d) => path.resolve(dir, d.repository.slice('file://'.length)));
  const dependsOnBase = chart.dependencies.some((d) => d.name === serviceValuesKey && d.repository.startsWith('file://'));
  const role: ChartRole = chart.type === 'library' ? 'library' : dependsOnBase ? 'service' : 'base';
  return { name: chart.name, dir, type: chart.type, role, version: chart.version, localDependencies };
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
 * shares in that environment (charts/environments/<env>.yaml, required), then the chart's own
 * overlay (values-<env>.yaml) when it has one.
 */
export function environmentValueFiles(chart: Pick<ChartInfo, 'name' | 'dir'>, environment: Environment, chartsRoot = defaultChartsRoot): string[] {
  const shared = path.join(chartsRoot, 'environments', `${environment}.yaml`);
  if (!existsSync(shared)) throw new CliError(`${chart.name} (${environment}): missing values file ${path.relative(workspaceRoot, shared)}`, ExitCode.usage);
  const overlay = path.join(chart.dir, `values-${environment}.yaml`);
  return existsSync(overlay) ? [shared, overlay] : [shared];
}

import { CliError, ExitCode } from '../cli/errors';
import { runHelm } from '../helm/run';
import { imageSetArgs, type ImageRecord } from './digests';
import { environmentValueFiles, type ChartInfo, type Environment } from './layout';
import { parseManifests, type RenderedObject } from './manifests';
import type { StagedChart } from './stage';

export const defaultNamespace = 'shipyard';

export interface RenderOptions {
  environment: Environment;
  /** Render with this image by digest (from the image step's digest file). */
  image?: ImageRecord;
  /** More helm arguments, after the environment's values (e.g. --set for a test). */
  extraArgs?: string[];
  namespace?: string;
}

/**
 * The values of a chart in an environment, in the order helm applies them: the environment's
 * shared file, then the chart's overlay, then the image by digest. The one place these are
 * built: `charts render|verify` and `shipyard deploy` (helm upgrade) both call it.
 */
export function environmentValueArgs(chart: Pick<ChartInfo, 'name' | 'dir'>, environment: Environment, image?: ImageRecord): string[] {
  return [...environmentValueFiles(chart, environment).flatMap((file) => ['-f', file]), ...(image ? imageSetArgs(image) : [])];
}

/**
 * `helm template` arguments for a chart in an environment: the release is named like the chart
 * (so object names equal the service name), then the environment's values.
 */
export function templateArgs(chart: ChartInfo, chartDir: string, options: RenderOptions): string[] {
  return [
    'template',
    chart.name,
    chartDir,
    '--namespace',
    options.namespace ?? defaultNamespace,
    ...environmentValueArgs(chart, options.environment, options.image),
    ...(options.extraArgs ?? []),
  ];
}

export interface Rendered {
  text: string;
  objects: RenderedObject[];
}

/** Renders the staged chart; a helm error (schema, fail, template) becomes a CliError carrying helm's message. */
export async function renderChart(chart: ChartInfo, staged: StagedChart, options: RenderOptions): Promise<Rendered> {
  const result = await runHelm(templateArgs(chart, staged.dir, options));
  if (result.code !== 0) {
    throw new CliError(`helm template ${chart.name} (${options.environment}) failed:\n${staged.explain(result.stderr || result.stdout).trim()}`, ExitCode.failed);
  }
  return { text: result.stdout, objects: parseManifests(result.stdout) };
}

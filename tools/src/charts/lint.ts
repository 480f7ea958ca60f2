import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { runHelm } from '../helm/run';
import { environments, environmentValueFiles, serviceValuesKey, type ChartInfo, type Environment } from './layout';
import type { StagedChart } from './stage';

export interface LintResult {
  /** The environment linted, or undefined for a library chart (linted once, without values). */
  environment?: Environment;
  ok: boolean;
  output: string;
}

/** `helm lint --strict` for every environment overlay (a library chart once, on its own). */
export async function lintChart(chart: ChartInfo, staged: StagedChart, only: readonly Environment[] = environments): Promise<LintResult[]> {
  if (chart.type === 'library') {
    const result = await runHelm(['lint', '--strict', staged.dir]);
    return [{ ok: result.code === 0, output: staged.explain(`${result.stdout}${result.stderr}`).trim() }];
  }
  const results: LintResult[] = [];
  for (const environment of only) {
    const files = environmentValueFiles(chart, environment);
    const values = (chart.role === 'base' ? [baseChartValues(files[0], staged, environment)] : files).flatMap((file) => ['-f', file]);
    const result = await runHelm(['lint', '--strict', staged.dir, ...values]);
    results.push({ environment, ok: result.code === 0, output: staged.explain(`${result.stdout}${result.stderr}`).trim() });
  }
  return results;
}

/**
 * The base chart on its own gets the environment's shared values (the `service:` part of
 * charts/environments/<env>.yaml, as a service chart passes them down) and an image name,
 * the one value every service chart must set; written next to the staged chart.
 */
function baseChartValues(environmentFile: string, staged: StagedChart, environment: Environment): string {
  const shared = ((parse(readFileSync(environmentFile, 'utf8')) as Record<string, unknown> | null) ?? {})[serviceValuesKey] ?? {};
  const file = path.join(path.dirname(staged.dir), `base-values-${environment}.yaml`);
  writeFileSync(file, stringify({ ...(shared as object), image: { repository: path.basename(staged.dir) } }));
  return file;
}

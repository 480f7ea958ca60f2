import { runHelm } from '../helm/run';
import { environments, environmentValueFiles, type ChartInfo, type Environment } from './layout';
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
    const values = environmentValueFiles(chart, environment).flatMap((file) => ['-f', file]);
    const result = await runHelm(['lint', '--strict', staged.dir, ...values]);
    results.push({ environment, ok: result.code === 0, output: staged.explain(`${result.stdout}${result.stderr}`).trim() });
  }
  return results;
}

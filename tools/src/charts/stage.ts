import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { runHelm } from '../helm/run';
import { readChart, type ChartInfo } from './layout';

export interface StagedChart {
  /** The chart's folder inside the staging area, dependencies built. */
  dir: string;
  /** Replaces staging paths in helm's messages with the real chart folder. */
  explain(text: string): string;
  dispose(): void;
}

/**
 * Copies the chart and its file:// dependencies, recursively; returns the staged folders with
 * dependencies, so `helm dependency update` can run on them in that order (helm packs a
 * file:// dependency as it finds it and does not build the dependency's own dependencies).
 */
function copyWithDependencies(chart: ChartInfo, stagingRoot: string, copied: Map<string, string>, order: string[]): string {
  const existing = copied.get(chart.dir);
  if (existing) return existing;
  const target = path.join(stagingRoot, path.basename(path.dirname(chart.dir)), chart.name);
  mkdirSync(path.dirname(target), { recursive: true });
  // Build output of an earlier `helm dependency` run in the real folder is never copied.
  cpSync(chart.dir, target, { recursive: true, filter: (source) => path.relative(chart.dir, source) !== 'charts' && path.basename(source) !== 'Chart.lock' });
  copied.set(chart.dir, target);
  for (const dependency of chart.localDependencies) copyWithDependencies(readChart(dependency), stagingRoot, copied, order);
  if (chart.localDependencies.length > 0) order.push(target);
  return target;
}

/**
 * Copies a chart and its file:// dependencies (same relative layout) to a temporary folder and
 * runs `helm dependency update` there. The work tree stays untouched, and lint and test targets
 * of the same chart can run at the same time without racing on charts/<name>/charts/.
 */
export async function stageChart(chart: ChartInfo): Promise<StagedChart> {
  const stagingRoot = mkdtempSync(path.join(os.tmpdir(), `shipyard-chart-${chart.name}-`));
  const dispose = () => rmSync(stagingRoot, { recursive: true, force: true });
  const explain = (text: string) => text.split(stagingRoot).join(path.dirname(path.dirname(chart.dir)));
  try {
    const withDependencies: string[] = [];
    const dir = copyWithDependencies(chart, stagingRoot, new Map(), withDependencies);
    for (const staged of withDependencies) {
      const result = await runHelm(['dependency', 'update', '--skip-refresh', staged]);
      if (result.code !== 0) throw new CliError(`helm dependency update ${path.basename(staged)} failed:\n${explain(result.stderr || result.stdout)}`, ExitCode.failed);
    }
    return { dir, explain, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

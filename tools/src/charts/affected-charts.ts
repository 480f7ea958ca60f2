import { existsSync } from 'node:fs';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { readJsonFile } from '../cli/step-files';

/** The part of `shipyard affected --out <file>` the chart step reads: the affected chart projects and the app each deploys. */
const affectedDocument = z.object({
  charts: z.array(z.object({ name: z.string(), app: z.string().optional() })),
});

/**
 * The service charts to push for a run: those of the affected chart projects that deploy an app
 * (chart-<app> → charts/<app>). A chart project is affected when its folder, a chart it pulls in
 * through file:// (charts/service, charts/common) or the environment values change; an app's
 * code alone does not affect it. Pushing only these keeps every other chart's version, hence
 * its helm.sh/chart label, so deploy leaves those Deployments alone.
 */
export function affectedServiceCharts(document: unknown, source: string): string[] {
  const parsed = affectedDocument.safeParse(document);
  if (!parsed.success) throw new CliError(`${source} is not the output of shipyard affected: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, ExitCode.usage);
  return [...new Set(parsed.data.charts.flatMap((chart) => (chart.app ? [chart.app] : [])))].sort();
}

export function readAffectedServiceCharts(file: string): string[] {
  if (!existsSync(file)) throw new CliError(`affected file ${file} does not exist (write it with shipyard affected --out ${file})`, ExitCode.usage);
  return affectedServiceCharts(readJsonFile(file, 'affected file'), file);
}

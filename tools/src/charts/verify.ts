import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DigestFile, imageFor } from '../images/digest-file';
import { findUnknownFields, schemaCheckIds, validateWithKubernetesModels } from './kubernetes-schema';
import { libraryHelperProblems } from './library-docs';
import { defaultChartsRoot, environments, type ChartInfo, type Environment } from './layout';
import type { Finding } from './manifests';
import { runPolicy } from './policy';
import { renderChart } from './render';
import { stageChart } from './stage';
import { renderValuesTable, tableEnd, tableStart, valuesDocProblems } from './values-docs';

/** One check's outcome for one chart (× environment). */
export interface CheckOutcome {
  check: string;
  /** Undefined for checks of the chart itself rather than of a rendered environment. */
  environment?: Environment;
  applied: boolean;
  findings: Finding[];
}

export interface VerifyReport {
  chart: string;
  /** Objects rendered per environment. */
  rendered: Partial<Record<Environment, number>>;
  outcomes: CheckOutcome[];
}

export interface VerifyOptions {
  environments?: readonly Environment[];
  /** The image step's digest file, parsed; the chart's service must be in it. */
  digests?: { file: string; data: DigestFile };
  chartsRoot?: string;
  log?: (line: string) => void;
}

export const sharedSchemaFile = 'service-values.schema.json';

function chartCheck(check: string, chart: ChartInfo, problems: string[]): CheckOutcome {
  return { check, applied: true, findings: problems.map((message) => ({ check, object: `chart ${chart.name}`, message })) };
}

/** Checks of a chart's files: docs in step with values, the shared values schema, library conventions. */
export function checkChartFiles(chart: ChartInfo, chartsRoot = defaultChartsRoot): CheckOutcome[] {
  if (chart.type === 'library') {
    return [chartCheck('library-helpers', chart, libraryHelperProblems(path.join(chart.dir, 'templates')))];
  }
  const valuesYaml = readFileSync(path.join(chart.dir, 'values.yaml'), 'utf8');
  const readmePath = path.join(chart.dir, 'README.md');
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  const current = start >= 0 && end > start ? readme.slice(start + tableStart.length, end).trim() : undefined;
  const readmeProblems =
    current === undefined
      ? [`README.md has no values table between ${tableStart} and ${tableEnd}`]
      : current !== renderValuesTable(valuesYaml).trim()
        ? [`README.md values table differs from values.yaml: run npx shipyard charts readme ${chart.name} --write`]
        : [];
  const shared = path.join(chartsRoot, 'common', sharedSchemaFile);
  const schemaProblems =
    readFileSync(path.join(chart.dir, 'values.schema.json'), 'utf8') === readFileSync(shared, 'utf8')
      ? []
      : [`values.schema.json differs from charts/common/${sharedSchemaFile} (every service chart shares it: copy it over)`];
  return [
    chartCheck('values-documented', chart, valuesDocProblems(valuesYaml)),
    chartCheck('readme-values-table', chart, readmeProblems),
    chartCheck('values-schema-shared', chart, schemaProblems),
  ];
}

/**
 * Renders the chart for every environment and runs the schema checks (kubernetes-models, unknown
 * fields) and every policy check on the output; plus the chart-file checks. Findings are
 * returned, not thrown, so a report can list them all.
 */
export async function verifyChart(chart: ChartInfo, options: VerifyOptions = {}): Promise<VerifyReport> {
  const log = options.log ?? (() => undefined);
  const report: VerifyReport = { chart: chart.name, rendered: {}, outcomes: checkChartFiles(chart, options.chartsRoot) };
  if (chart.type === 'library') return report;
  const image = options.digests ? imageFor(options.digests.data, chart.name, options.digests.file) : undefined;
  const staged = await stageChart(chart);
  try {
    for (const environment of options.environments ?? environments) {
      log(`[charts] ${chart.name} (${environment}): helm template${image ? ` with ${image.reference}` : ''}…`);
      const { objects: rendered } = await renderChart(chart, staged, { environment, image });
      const objects = rendered.map((r) => r.object);
      report.rendered[environment] = objects.length;
      const schemaFindings = await validateWithKubernetesModels(objects);
      report.outcomes.push(
        { check: schemaCheckIds.schema, environment, applied: true, findings: schemaFindings },
        { check: schemaCheckIds.unknownFields, environment, applied: true, findings: findUnknownFields(objects) },
      );
      for (const result of runPolicy(objects, { expectedImageReferences: image ? [image.reference] : undefined })) {
        report.outcomes.push({ check: result.check.id, environment, applied: result.applied, findings: result.findings });
      }
    }
  } finally {
    staged.dispose();
  }
  return report;
}

export function failedOutcomes(report: VerifyReport): CheckOutcome[] {
  return report.outcomes.filter((outcome) => outcome.findings.length > 0);
}

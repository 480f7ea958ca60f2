import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DigestFile, imageFor } from '../images/digest-file';
import { findUnknownFields, schemaCheckIds, validateWithKubernetesModels } from './kubernetes-schema';
import { libraryHelperProblems } from './library-docs';
import { defaultChartsRoot, environments, environmentValueFiles, serviceValuesKey, type ChartInfo, type Environment } from './layout';
import type { Finding } from './manifests';
import { runPolicy } from './policy';
import { renderChart } from './render';
import { stageChart } from './stage';
import { renderOverridesTable, renderValuesTable, serviceValuesProblems, tableEnd, tableStart, valuesDocProblems } from './values-docs';

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

function chartCheck(check: string, chart: ChartInfo, problems: string[]): CheckOutcome {
  return { check, applied: true, findings: problems.map((message) => ({ check, object: `chart ${chart.name}`, message })) };
}

const read = (file: string) => readFileSync(file, 'utf8');

/** values.yaml of the base chart every service chart depends on (charts/service). */
export function baseValuesFile(chartsRoot = defaultChartsRoot): string {
  return path.join(chartsRoot, serviceValuesKey, 'values.yaml');
}

/**
 * The generated values table of a chart's README: every value with its default for the base
 * chart; the values a service chart sets, with the base chart's descriptions, for a service chart.
 */
export function chartValuesTable(chart: ChartInfo, chartsRoot = defaultChartsRoot): string {
  const valuesYaml = read(path.join(chart.dir, 'values.yaml'));
  return chart.role === 'service' ? renderOverridesTable(valuesYaml, read(baseValuesFile(chartsRoot)), serviceValuesKey) : renderValuesTable(valuesYaml);
}

function readmeProblems(chart: ChartInfo, chartsRoot: string): string[] {
  const readmePath = path.join(chart.dir, 'README.md');
  const readme = existsSync(readmePath) ? read(readmePath) : '';
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  const current = start >= 0 && end > start ? readme.slice(start + tableStart.length, end).trim() : undefined;
  if (current === undefined) return [`README.md has no values table between ${tableStart} and ${tableEnd}`];
  return current === chartValuesTable(chart, chartsRoot).trim() ? [] : [`README.md values table differs from values.yaml: run npx shipyard charts readme ${chart.name} --write`];
}

/**
 * One copy of everything shared: the base chart alone has templates and values.schema.json
 * (helm validates a dependency's values against its own schema); a service chart has neither
 * (only its own templates/NOTES.txt) and depends on the base chart by file://.
 */
function sharedFilesProblems(chart: ChartInfo, chartsRoot: string): string[] {
  const has = (file: string) => existsSync(path.join(chart.dir, file));
  if (chart.role === 'base') return has('values.schema.json') ? [] : ['the base chart needs values.schema.json: it is the schema of every service chart'];
  const templates = has('templates') ? readdirSync(path.join(chart.dir, 'templates')).filter((file) => file !== 'NOTES.txt').map((file) => `templates/${file}`) : [];
  const problems = [...(has('values.schema.json') ? ['values.schema.json'] : []), ...templates].map(
    (file) => `${file} belongs in charts/${serviceValuesKey} only (a copy per service drifts); remove it here`,
  );
  if (!chart.localDependencies.includes(path.join(chartsRoot, serviceValuesKey))) problems.push(`Chart.yaml must depend on ${serviceValuesKey} with repository: file://../${serviceValuesKey}`);
  return problems;
}

/** Values files a service chart is rendered with: its own, its overlays and the shared environment files. */
function serviceValuesFiles(chart: ChartInfo, chartsRoot: string): string[] {
  return [path.join(chart.dir, 'values.yaml'), ...environments.flatMap((environment) => environmentValueFiles(chart, environment, chartsRoot))];
}

/** Checks of a chart's files: docs in step with values, one shared values schema and templates, library conventions. */
export function checkChartFiles(chart: ChartInfo, chartsRoot = defaultChartsRoot): CheckOutcome[] {
  if (chart.role === 'library') {
    return [chartCheck('library-helpers', chart, libraryHelperProblems(path.join(chart.dir, 'templates')))];
  }
  const documented =
    chart.role === 'base'
      ? valuesDocProblems(read(path.join(chart.dir, 'values.yaml')))
      : serviceValuesFiles(chart, chartsRoot).flatMap((file) => serviceValuesProblems(path.relative(chartsRoot, file), read(file), read(baseValuesFile(chartsRoot)), serviceValuesKey));
  return [
    chartCheck('values-documented', chart, documented),
    chartCheck('readme-values-table', chart, readmeProblems(chart, chartsRoot)),
    chartCheck('values-schema-shared', chart, sharedFilesProblems(chart, chartsRoot)),
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
  // The base chart is rendered through the service charts (it needs a service's name and image).
  if (chart.role !== 'service') return report;
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

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { imageFor, readDigestFile } from '../images/digest-file';
import { lintChart } from '../charts/lint';
import { environments, findChart, listCharts, parseEnvironment, type ChartInfo, type Environment } from '../charts/layout';
import { renderChart } from '../charts/render';
import { stageChart } from '../charts/stage';
import { withValuesTable } from '../charts/values-docs';
import { chartValuesTable, failedOutcomes, verifyChart, type VerifyReport } from '../charts/verify';
import { defaultHelm } from '../helm/binary';
import { readAffectedServiceCharts } from '../charts/affected-charts';
import { commitChartVersion, packageChart, pushChart, writeChartsFile, type ChartsFile } from '../charts/publish';
import { registryOptionFields } from './options/registry-option-fields';
import { withRegistryOptions } from './options/registry-options';
import { caFilesFor, resolveRegistry } from '../release/registry-access';
import { workspaceRoot } from '../workspace/root';

const log = (line: string) => process.stderr.write(`${line}\n`);

function selectCharts(names: string[], all: boolean | undefined): ChartInfo[] {
  if (all) return listCharts();
  if (names.length === 0) throw new CliError('name a chart (or pass --all); charts: ' + listCharts().map((c) => c.name).join(', '), ExitCode.usage);
  return names.map((name) => findChart(name));
}

const envOption = z.string().optional().transform((value) => (value ? [parseEnvironment(value)] : [...environments]));

function summarize(report: VerifyReport): string {
  const ran = report.outcomes.filter((o) => o.applied);
  const skipped = report.outcomes.length - ran.length;
  const envCount = Object.keys(report.rendered).length;
  const perEnv = envCount > 0 ? ran.filter((o) => o.environment).length / envCount : 0;
  const chartLevel = ran.filter((o) => !o.environment).length;
  const failed = failedOutcomes(report).length;
  const shape = envCount > 0 ? `${envCount} env × ${perEnv} checks + ${chartLevel} chart checks` : `${chartLevel} chart checks`;
  return `${report.chart}: ${shape} = ${ran.length} run, ${ran.length - failed} passed, ${failed} failed${skipped ? `, ${skipped} not applicable` : ''}`;
}

export function chartsCommand(): Command {
  const charts = new Command('charts').description(
    'Helm charts under charts/: lint every environment overlay, render and check the output (Kubernetes schema, Pod Security Standards restricted, AKS policy), keep READMEs in step.',
  );

  charts
    .command('list')
    .description('List the charts (name, type, version).')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const rows = listCharts().map((c) => ({ name: c.name, type: c.type, version: c.version, dir: path.relative(workspaceRoot, c.dir) }));
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else for (const r of rows) process.stdout.write(`${r.name}\t${r.type}\t${r.version}\t${r.dir}\n`);
    });

  charts
    .command('lint')
    .description('helm lint --strict each chart once per environment (charts/environments/<env>.yaml + values-<env>.yaml); a library chart once.')
    .argument('[charts...]', 'chart names (folders under charts/)')
    .option('--all', 'every chart')
    .option('--env <env>', `only this environment (${environments.join('|')})`)
    .action(async (names: string[], raw: { all?: boolean; env?: string }) => {
      const only = envOption.parse(raw.env);
      await defaultHelm(log);
      let failures = 0;
      for (const chart of selectCharts(names, raw.all)) {
        const staged = await stageChart(chart);
        try {
          for (const result of await lintChart(chart, staged, only)) {
            const label = `${chart.name}${result.environment ? ` (${result.environment})` : ''}`;
            if (result.ok) log(`[charts] lint ${label}: ok`);
            else {
              failures += 1;
              log(`[charts] lint ${label}: FAILED\n${result.output}`);
            }
          }
        } finally {
          staged.dispose();
        }
      }
      if (failures > 0) throw new CliError(`${failures} lint run(s) failed`, ExitCode.failed);
    });

  charts
    .command('verify')
    .description('Render each chart for every environment and check it: kubernetes-models schema, unknown fields, PSS restricted, resources and probes, images, labels, companions (HPA, PDB, NetworkPolicy, ServiceAccount), AKS settings; plus README and schema files.')
    .argument('[charts...]', 'chart names (folders under charts/)')
    .option('--all', 'every chart')
    .option('--env <env>', `only this environment (${environments.join('|')})`)
    .option('--digests <file>', 'render with the image digests from this file (the image step writes dist/images.json)')
    .option('--json', 'print the reports as JSON')
    .action(async (names: string[], raw: { all?: boolean; env?: string; digests?: string; json?: boolean }) => {
      const only = envOption.parse(raw.env);
      const digests = raw.digests ? { file: raw.digests, data: readDigestFile(path.resolve(raw.digests)) } : undefined;
      await defaultHelm(log);
      const reports: VerifyReport[] = [];
      for (const chart of selectCharts(names, raw.all)) {
        const report = await verifyChart(chart, { environments: only, digests, log });
        reports.push(report);
        for (const outcome of failedOutcomes(report)) {
          for (const finding of outcome.findings) log(`  ✗ ${outcome.check}${outcome.environment ? ` (${outcome.environment})` : ''} ${finding.object}: ${finding.message}`);
        }
        log(`[charts] ${summarize(report)}`);
      }
      if (raw.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      const failed = reports.reduce((sum, r) => sum + failedOutcomes(r).length, 0);
      if (failed > 0) throw new CliError(`${failed} check(s) failed`, ExitCode.failed);
    });

  charts
    .command('render')
    .description('Print the manifests of a chart for an environment (helm template with the environment values, optionally the image digest).')
    .argument('<chart>', 'chart name')
    .requiredOption('--env <env>', `environment (${environments.join('|')})`)
    .option('--digests <file>', 'reference the image by digest from this file (dist/images.json)')
    .action(async (name: string, raw: { env: string; digests?: string }) => {
      const chart = findChart(name);
      const environment: Environment = parseEnvironment(raw.env);
      const image = raw.digests ? imageFor(readDigestFile(path.resolve(raw.digests)), chart.name, raw.digests) : undefined;
      await defaultHelm(log);
      const staged = await stageChart(chart);
      try {
        process.stdout.write((await renderChart(chart, staged, { environment, image })).text);
      } finally {
        staged.dispose();
      }
    });

  const deployable = (names: string[], all: boolean | undefined) => {
    const selected = selectCharts(names, all).filter((chart) => chart.role === 'service');
    if (selected.length === 0) throw new CliError('no service chart selected: the library and the generic chart are packaged inside each service chart', ExitCode.usage);
    return selected;
  };

  charts
    .command('package')
    .description('helm package each service chart (the generic chart and the library inside it) at <Chart.yaml version>-<short sha>.')
    .argument('[charts...]', 'chart names (folders under charts/); library and generic charts are skipped')
    .option('--all', 'every service chart')
    .requiredOption('--sha <sha>', 'full git sha of the commit: the chart version is <version>-<first 12 hex digits>')
    .option('--out-dir <dir>', 'where the .tgz files go', 'dist/charts')
    .action(async (names: string[], raw: { all?: boolean; sha: string; outDir: string }) => {
      await defaultHelm(log);
      for (const chart of deployable(names, raw.all)) {
        const file = await packageChart(chart, commitChartVersion(chart.version, raw.sha), path.resolve(raw.outDir));
        process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
      }
    });

  withRegistryOptions(
    charts
      .command('push')
      .description(
        'Package each service chart (as charts package) and push it with helm push to oci://<registry>/helm/<chart>; record repository, version and digest in the charts file for release create. ' +
          'The pipeline pushes the charts of the affected apps only (--affected): a re-pushed chart has a new version, so helm would restart its Deployment.',
      )
      .argument('[charts...]', 'chart names (folders under charts/); library and generic charts are skipped')
      .option('--all', 'every service chart')
      .option('--affected <file>', 'the service charts the affected file (shipyard affected --out) names; none is fine: nothing is pushed')
      .requiredOption('--sha <sha>', 'full git sha of the commit: the chart version is <version>-<first 12 hex digits>')
      .option('--out <file>', 'charts file to add the pushed charts to', 'dist/charts.json'),
  ).action(async (names: string[], raw: Record<string, unknown>) => {
    const options = z.object({ all: z.boolean().optional(), affected: z.string().optional(), sha: z.string(), out: z.string(), ...registryOptionFields }).parse(raw);
    if (options.affected && (options.all || names.length > 0)) throw new CliError('--affected chooses the charts itself: give no chart names and no --all with it', ExitCode.usage);
    const selected = options.affected ? readAffectedServiceCharts(path.resolve(options.affected)) : null;
    if (selected?.length === 0) {
      // The file is still written: the release step reads it, and "no chart pushed" is an answer.
      writeChartsFile(path.resolve(options.out), {});
      log(`[charts] ${options.affected} names no affected service chart: nothing pushed (release create carries every chart over)`);
      process.stdout.write('{}\n');
      return;
    }
    const registry = resolveRegistry(options.registry);
    const caFiles = caFilesFor(registry, options.caFile ?? []);
    await defaultHelm(log);
    const work = mkdtempSync(path.join(os.tmpdir(), 'shipyard-charts-'));
    const pushed: ChartsFile = {};
    try {
      for (const chart of deployable(selected ?? names, options.all)) {
        const version = commitChartVersion(chart.version, options.sha);
        pushed[chart.name] = await pushChart(chart, await packageChart(chart, version, work), version, { registry, caFiles, log });
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    writeChartsFile(path.resolve(options.out), pushed);
    log(`[charts] ${Object.keys(pushed).length} chart(s) recorded in ${options.out}`);
    process.stdout.write(`${JSON.stringify(pushed, null, 2)}\n`);
  });

  charts
    .command('readme')
    .description("Print the values table generated from a chart's values.yaml (## @param lines), or write it into README.md.")
    .argument('<chart>', 'chart name')
    .option('--write', 'replace the table in the chart README.md (dry run without it)')
    .action((name: string, raw: { write?: boolean }) => {
      const chart = findChart(name);
      const table = chartValuesTable(chart);
      if (!raw.write) {
        process.stdout.write(`${table}\n`);
        return;
      }
      const readmePath = path.join(chart.dir, 'README.md');
      writeFileSync(readmePath, withValuesTable(readFileSync(readmePath, 'utf8'), table));
      log(`[charts] ${path.relative(workspaceRoot, readmePath)}: values table written`);
    });

  return charts;
}

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { parseStepFile, readJsonFile } from '../cli/step-files';
import { runHelm } from '../helm/run';
import type { ChartInfo } from './layout';
import { stageChart } from './stage';

/** Charts are pushed as OCI artifacts under <registry>/helm/<chart> (helm push oci://<registry>/helm). */
export const chartNamespace = 'helm';

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** One pushed chart: where it is (repository path without the registry host), its version, its manifest digest. */
export const chartArtifact = z.strictObject({
  repository: z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'must be a repository path without registry host'),
  version: z.string().min(1),
  digest: z.string().regex(digestPattern, 'must be sha256: followed by 64 lowercase hex characters'),
});
export type ChartArtifact = z.infer<typeof chartArtifact>;

/** dist/charts.json: the charts this run pushed, by chart name. */
export const chartsFile = z.record(z.string(), chartArtifact);
export type ChartsFile = z.infer<typeof chartsFile>;

/**
 * The version a chart is packaged with for a commit: its Chart.yaml version with the short sha
 * as a prerelease part (0.1.0-1a2b3c4d5e6f). Not SemVer build metadata (0.1.0+sha): OCI tags
 * cannot hold '+', and helm would rewrite it to '_' in the tag.
 */
export function commitChartVersion(version: string, sha: string): string {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new CliError(`--sha "${sha}" must be a full 40-character git commit sha`, ExitCode.usage);
  const release = version.split('+')[0];
  return `${release}${release.includes('-') ? '.' : '-'}${sha.slice(0, 12)}`;
}

/** oci://<registry>/helm/<chart>@sha256:… : what deploy installs, so the chart cannot differ from the release's. */
export function chartReference(registry: string, artifact: ChartArtifact): string {
  return `oci://${registry}/${artifact.repository}@${artifact.digest}`;
}

/** `helm push` prints "Pushed: <ref>" and "Digest: sha256:…"; the digest of the chart's OCI manifest. */
export function parsePushDigest(output: string): string {
  const digest = /^Digest: (sha256:[0-9a-f]{64})\s*$/m.exec(output)?.[1];
  if (!digest) throw new CliError(`helm push printed no digest:\n${output.trim()}`, ExitCode.failed);
  return digest;
}

/** helm takes one --ca-file: several certificates become one bundle in `dir`. */
export function caBundle(files: readonly string[], dir: string): string | undefined {
  if (files.length <= 1) return files[0];
  const bundle = path.join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, files.map((file) => readFileSync(file, 'utf8').trim()).join('\n') + '\n');
  return bundle;
}

/** `helm package` of the staged chart (file:// dependencies built in) at `version`; returns the .tgz. */
export async function packageChart(chart: ChartInfo, version: string, outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const staged = await stageChart(chart);
  try {
    const result = await runHelm(['package', staged.dir, '--version', version, '--destination', outDir]);
    if (result.code !== 0) throw new CliError(`helm package ${chart.name} failed:\n${staged.explain(result.stderr || result.stdout).trim()}`, ExitCode.failed);
  } finally {
    staged.dispose();
  }
  const file = path.join(outDir, `${chart.name}-${version}.tgz`);
  if (!existsSync(file)) throw new CliError(`helm package ${chart.name} wrote no ${file}`, ExitCode.failed);
  return file;
}

export interface PushOptions {
  registry: string;
  /** CA certificates to trust for the registry (the local one's own, --ca-file, SHIPYARD_REGISTRY_CA). */
  caFiles: readonly string[];
  log?: (line: string) => void;
}

/** `helm push <tgz> oci://<registry>/helm`; returns where it landed and its digest. */
export async function pushChart(chart: ChartInfo, tgz: string, version: string, options: PushOptions): Promise<ChartArtifact> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'shipyard-chart-push-'));
  try {
    const ca = caBundle(options.caFiles, work);
    const result = await runHelm(['push', tgz, `oci://${options.registry}/${chartNamespace}`, ...(ca ? ['--ca-file', ca] : [])]);
    const output = `${result.stdout}${result.stderr}`;
    if (result.code !== 0) throw new CliError(`helm push ${chart.name} to ${options.registry} failed:\n${output.trim()}`, ExitCode.failed);
    const artifact = { repository: `${chartNamespace}/${chart.name}`, version, digest: parsePushDigest(output) };
    options.log?.(`[charts] ${chart.name} ${version} → ${chartReference(options.registry, artifact)}`);
    return artifact;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function readChartsFile(file: string): ChartsFile {
  if (!existsSync(file)) throw new CliError(`charts file ${file} does not exist (the chart step writes it: shipyard charts push …)`, ExitCode.usage);
  return parseStepFile(chartsFile, readJsonFile(file, 'charts file'), 'charts file', file);
}

/** Adds the pushed charts to the charts file (a matrix of chart jobs each adds its own). */
export function writeChartsFile(file: string, pushed: ChartsFile): ChartsFile {
  const merged = { ...(existsSync(file) ? readChartsFile(file) : {}), ...pushed };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))), null, 2)}\n`);
  return merged;
}

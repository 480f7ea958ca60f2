import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import type { ImageRecord } from '../charts/digests';
import { defaultChartsRoot, dependencyBuildOrder, type Environment, readChart } from '../charts/layout';
import { environmentValueArgs } from '../charts/render';
import { chartDigest } from '../release/chart-digest';
import { sha256Digest } from '../release/oci';
import type { ReleaseManifest } from '../release/release-manifest';
import { workspaceRoot } from '../workspace/root';
import type { DesiredApp } from './plan';

export interface DesiredOptions {
  manifest: ReleaseManifest;
  /** Registry the cluster pulls from (where the release was verified). */
  registry: string;
  environment: Environment;
  chartsRoot?: string;
  /** Folder the helm commands run in; paths in them are relative to it. */
  root?: string;
}

/**
 * Digest of what helm is given for an app: the chart's content and every argument, with
 * values files replaced by the digest of their content (a values change is a change; moving
 * the checkout is not).
 */
export function fingerprint(chartContentDigest: string, valueArgs: readonly string[], root: string): string {
  const args = valueArgs.map((arg, index) => (valueArgs[index - 1] === '-f' ? `file:${createHash('sha256').update(readFileSync(path.resolve(root, arg))).digest('hex')}` : arg));
  return sha256Digest(JSON.stringify({ chart: chartContentDigest, args }));
}

/** The desired state of every app of the release in one environment, in the order they are converged (by name). */
export function desiredApps(options: DesiredOptions): DesiredApp[] {
  const root = options.root ?? workspaceRoot;
  const chartsRoot = options.chartsRoot ?? defaultChartsRoot;
  return Object.entries(options.manifest.apps)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([app, entry]) => {
      const dir = path.join(chartsRoot, entry.chart.name);
      if (!existsSync(path.join(dir, 'Chart.yaml'))) {
        throw new CliError(`${app}: release ${options.manifest.gitSha} deploys chart ${entry.chart.name}, but this checkout has no ${path.relative(root, dir)}`, ExitCode.usage);
      }
      const chart = readChart(dir);
      const image: ImageRecord = {
        repository: `${options.registry}/${entry.image.repository}`,
        tag: entry.image.tag,
        digest: entry.image.digest,
        reference: `${options.registry}/${entry.image.repository}@${entry.image.digest}`,
      };
      const valueArgs = environmentValueArgs(chart, options.environment, image).map((arg) => (path.isAbsolute(arg) ? path.relative(root, arg) : arg));
      return {
        app,
        releaseSha: options.manifest.gitSha,
        chart: entry.chart,
        chartDir: path.relative(root, dir),
        dependencyDirs: dependencyBuildOrder(chart).map((folder) => path.relative(root, folder)),
        checkoutChartDigest: chartDigest(chart),
        image,
        valueArgs,
        fingerprint: fingerprint(entry.chart.digest, valueArgs, root),
      };
    });
}

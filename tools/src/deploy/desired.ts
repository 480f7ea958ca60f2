import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageRecord } from '../charts/digests';
import { defaultChartsRoot, type Environment } from '../charts/layout';
import { chartReference } from '../charts/publish';
import { environmentValueArgs } from '../charts/render';
import { sha256Digest } from '../release/oci';
import type { ReleaseManifest } from '../release/release-manifest';
import { workspaceRoot } from '../workspace/root';
import type { DesiredApp } from './plan';

export interface DesiredOptions {
  manifest: ReleaseManifest;
  /** Registry the cluster pulls from (where the release was verified). */
  registry: string;
  environment: Environment;
  /**
   * CA certificate helm trusts when it pulls the chart (a registry with its own certificate,
   * such as the local one). None on ACR: its certificate is publicly trusted.
   */
  caFile?: string;
  chartsRoot?: string;
  /** Folder the helm commands run in; paths in them are relative to it. */
  root?: string;
}

/**
 * Digest of what helm is given for an app: the chart's OCI digest and every value argument,
 * with values files replaced by the digest of their content (a values change is a change;
 * moving the checkout is not). How the chart is pulled (--ca-file) is not part of it.
 */
export function fingerprint(chartDigest: string, valueArgs: readonly string[], root: string): string {
  const args = valueArgs.map((arg, index) => (valueArgs[index - 1] === '-f' ? `file:${createHash('sha256').update(readFileSync(path.resolve(root, arg))).digest('hex')}` : arg));
  return sha256Digest(JSON.stringify({ chart: chartDigest, args }));
}

/**
 * The desired state of every app of the release in one environment, in the order they are
 * converged (by name). The chart comes from the registry by digest; only the environment's
 * values files (charts/environments/<env>.yaml, charts/<chart>/values-<env>.yaml) are read from
 * this checkout: they are deployment configuration, not part of the artifact.
 */
export function desiredApps(options: DesiredOptions): DesiredApp[] {
  const root = options.root ?? workspaceRoot;
  const chartsRoot = options.chartsRoot ?? defaultChartsRoot;
  return Object.entries(options.manifest.apps)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([app, entry]) => {
      const image: ImageRecord = {
        repository: `${options.registry}/${entry.image.repository}`,
        tag: entry.image.tag,
        digest: entry.image.digest,
        reference: `${options.registry}/${entry.image.repository}@${entry.image.digest}`,
      };
      const overlay = { name: entry.chart.name, dir: path.join(chartsRoot, entry.chart.name) };
      const valueArgs = environmentValueArgs(overlay, options.environment, image).map((arg) => (path.isAbsolute(arg) ? path.relative(root, arg) : arg));
      return {
        app,
        releaseSha: options.manifest.gitSha,
        chart: entry.chart,
        chartRef: chartReference(options.registry, entry.chart),
        pullArgs: options.caFile ? ['--ca-file', options.caFile] : [],
        image,
        valueArgs,
        fingerprint: fingerprint(entry.chart.digest, valueArgs, root),
      };
    });
}

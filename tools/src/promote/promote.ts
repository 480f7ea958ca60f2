import { CliError, ExitCode } from '../cli/errors';
import type { RegistryClient } from '../release/registry-access';
import { registryError } from '../release/registry-access';
import { describeRef, type ReleaseRef } from '../release/release-ref';
import { imageReference, releaseRepository } from '../release/release-manifest';
import { ReleaseStore } from '../release/release-store';
import { azAcrImport, choosePromotionMethod, type ImportImage, type PromotionMethod } from './acr-import';
import { copyManifest, type CopyStats, tagManifest } from './copy-image';

export interface PromotedItem {
  /** An app name, or "release" for the manifest itself. */
  name: string;
  kind: 'image' | 'chart' | 'release';
  repository: string;
  digest: string;
  /** copied (streamed) or imported (ACR server-side) now, already present in the destination, or would be copied (dry run). */
  result: 'copied' | 'imported' | 'present' | 'would copy';
}

export interface PromoteReport {
  from: string;
  to: string;
  release: { gitSha: string; digest: string };
  items: PromotedItem[];
  stats: CopyStats;
  /** How the images moved: ACR import between two ACRs, else streamed through this process. */
  method: PromotionMethod;
  dryRun: boolean;
}

export interface PromoteOptions {
  from: RegistryClient;
  to: RegistryClient;
  ref: ReleaseRef;
  dryRun: boolean;
  log: (line: string) => void;
  /** Server-side import between two ACRs; default `az acr import`. */
  importImage?: ImportImage;
}

const label = (target: { name: string; kind: PromotedItem['kind'] }) => (target.kind === 'release' ? 'release' : `${target.name} ${target.kind}`);

async function present(client: RegistryClient, repository: string, digest: string): Promise<boolean> {
  try {
    await client.content(repository).getManifest(digest);
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/**
 * Copies a release from one registry to another: every app's image and chart by digest
 * (manifest and blobs, no rebuild), the image tagged with its git sha and the chart with its
 * version as in the source, then the release artifact itself (the same bytes, so the same
 * digest), tagged by git sha. Afterwards the destination is checked: the release has the
 * source's digest and every image and chart digest exists there.
 */
export async function promoteRelease(options: PromoteOptions): Promise<PromoteReport> {
  const { from, to, log } = options;
  if (from.registry === to.registry) throw new CliError(`--from and --to are the same registry (${from.registry})`, ExitCode.usage);
  const source = new ReleaseStore(from);
  const release = await source.pull(options.ref);
  log(`release ${describeRef(options.ref)} = ${release.manifest.gitSha} (${release.digest}) in ${from.registry}`);
  await source.requireComplete(release.manifest);
  const method = choosePromotionMethod(from.registry, to.registry);
  log(method.kind === 'acr-import' ? `images: ACR import ${method.sourceAcr} → ${method.targetAcr} (server-side, no layer through this agent)` : `images: streamed through this process (${method.why})`);
  const importImage = options.importImage ?? azAcrImport;
  const stats: CopyStats = { manifests: 0, blobs: 0, bytes: 0 };
  const items: PromotedItem[] = [];
  const targets: Array<{ name: string; kind: PromotedItem['kind']; repository: string; digest: string; tag: string; image: boolean }> = [
    ...Object.entries(release.manifest.apps).flatMap(([name, app]) => [
      { name, kind: 'image' as const, repository: app.image.repository, digest: app.image.digest, tag: app.image.tag, image: true },
      // A chart is a few kB (helm config and one .tgz layer): copied through the content API like the release.
      { name, kind: 'chart' as const, repository: app.chart.repository, digest: app.chart.digest, tag: app.chart.version, image: false },
    ]),
    // The release manifest is a few kB: always copied through the content API.
    { name: 'release', kind: 'release', repository: releaseRepository, digest: release.digest, tag: release.manifest.gitSha, image: false },
  ];
  for (const target of targets) {
    const where = `${to.registry}/${target.repository}@${target.digest}`;
    try {
      if (options.dryRun) {
        const result = (await present(to, target.repository, target.digest)) ? 'present' : 'would copy';
        items.push({ name: target.name, kind: target.kind, repository: target.repository, digest: target.digest, result });
        log(`${label(target)}: ${result === 'present' ? 'already in' : 'would copy to'} ${where}`);
        continue;
      }
      if (target.image && method.kind === 'acr-import') {
        const already = await present(to, target.repository, target.digest);
        if (!already) await importImage({ sourceRegistry: from.registry, targetAcr: method.targetAcr, repository: target.repository, digest: target.digest, tag: target.tag });
        else await tagManifest(to.content(target.repository), target.digest, target.tag);
        items.push({ name: target.name, kind: target.kind, repository: target.repository, digest: target.digest, result: already ? 'present' : 'imported' });
        log(`${label(target)}: ${already ? 'already in' : 'imported into'} ${where} (tag ${target.tag.slice(0, 12)})`);
        continue;
      }
      const copied = await copyManifest({ from: from.content(target.repository), to: to.content(target.repository), repository: target.repository }, target.digest, stats);
      await tagManifest(to.content(target.repository), target.digest, target.tag);
      items.push({ name: target.name, kind: target.kind, repository: target.repository, digest: target.digest, result: copied ? 'copied' : 'present' });
      log(`${label(target)}: ${copied ? 'copied to' : 'already in'} ${where} (tag ${target.kind === 'chart' ? target.tag : target.tag.slice(0, 12)})`);
    } catch (error) {
      throw registryError(error, `${from.registry} → ${to.registry}`, `copying ${label(target)} (${target.repository}@${target.digest})`);
    }
  }
  if (!options.dryRun) {
    const destination = new ReleaseStore(to);
    const copied = await destination.pull({ kind: 'sha', tag: release.manifest.gitSha });
    if (copied.digest !== release.digest) {
      throw new CliError(`${to.registry}/${releaseRepository}:${release.manifest.gitSha} is ${copied.digest}, the source has ${release.digest}`, ExitCode.failed);
    }
    await destination.requireComplete(copied.manifest);
    log(`verified in ${to.registry}: release ${release.digest} and ${Object.keys(release.manifest.apps).length} images and charts (${Object.values(release.manifest.apps).map((app) => imageReference(to.registry, app).split('/').pop()).join(', ')})`);
  }
  return { from: from.registry, to: to.registry, release: { gitSha: release.manifest.gitSha, digest: release.digest }, items, stats, method, dryRun: options.dryRun };
}

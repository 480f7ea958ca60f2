import { CliError, ExitCode } from '../cli/errors';
import { type Descriptor, type ImageIndex, type ImageManifest, isIndex } from '../release/oci';
import { type ContentClient, isNotFound } from '../release/registry-access';

export interface CopyStats {
  manifests: number;
  blobs: number;
  bytes: number;
}

export interface CopyTarget {
  from: ContentClient;
  to: ContentClient;
  /** repository path (the same in both registries), for messages */
  repository: string;
}

async function exists(client: ContentClient, digest: string): Promise<boolean> {
  try {
    await client.getManifest(digest);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function copyBlob(target: CopyTarget, blob: Descriptor, stats: CopyStats): Promise<void> {
  const download = await target.from.downloadBlob(blob.digest);
  const uploaded = await target.to.uploadBlob(download.content);
  if (uploaded.digest !== blob.digest) {
    throw new CliError(`${target.repository}: blob ${blob.digest} arrived as ${uploaded.digest}`, ExitCode.failed);
  }
  stats.blobs += 1;
  stats.bytes += uploaded.sizeInBytes;
}

/**
 * Copies a manifest and everything it references (blobs, or the platform manifests of an
 * index) by digest. A manifest the destination already has is complete there (a registry
 * only accepts a manifest whose references it holds), so it is skipped: copying is idempotent.
 * Returns whether anything was copied.
 */
export async function copyManifest(target: CopyTarget, digest: string, stats: CopyStats): Promise<boolean> {
  if (await exists(target.to, digest)) return false;
  const source = await target.from.getManifest(digest);
  if (isIndex(source.mediaType, source.manifest)) {
    for (const child of (source.manifest as unknown as ImageIndex).manifests) await copyManifest(target, child.digest, stats);
  } else {
    const image = source.manifest as unknown as ImageManifest;
    for (const blob of [image.config, ...image.layers]) await copyBlob(target, blob, stats);
  }
  const stored = await target.to.setManifest(source.content, { mediaType: source.mediaType });
  if (stored.digest !== digest) throw new CliError(`${target.repository}: manifest ${digest} was stored as ${stored.digest}`, ExitCode.failed);
  stats.manifests += 1;
  return true;
}

/** Points `tag` at an existing manifest (same bytes, so same digest). */
export async function tagManifest(client: ContentClient, digest: string, tag: string): Promise<void> {
  const manifest = await client.getManifest(digest);
  await client.setManifest(manifest.content, { tag, mediaType: manifest.mediaType });
}

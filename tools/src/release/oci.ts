import { createHash } from 'node:crypto';

/** Media types of the registry objects shipyard reads and writes. */
export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  /** The OCI "empty" config of artifacts that have no config of their own: the two bytes `{}`. */
  empty: 'application/vnd.oci.empty.v1+json',
} as const;

export const emptyConfig = Buffer.from('{}');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Record<string, unknown>;
}

/** An image or artifact manifest (OCI or Docker schema 2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** A multi-platform index (OCI index or Docker manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export const digestPattern = /^sha256:[0-9a-f]{64}$/;

export function sha256Digest(content: Buffer | string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

export function isIndex(mediaType: string, manifest: unknown): manifest is ImageIndex {
  return mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerManifestList || Array.isArray((manifest as ImageIndex).manifests);
}

/** Reads a whole stream (a downloaded blob) into memory; used for small blobs only. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

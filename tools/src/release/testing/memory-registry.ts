import { Readable } from 'node:stream';
import { chartNamespace, type ChartArtifact, type ChartsFile } from '../../charts/publish';
import { type ImageIndex, type ImageManifest, isIndex, mediaTypes, readAll, sha256Digest } from '../oci';
import type { ContentClient, RegistryClient } from '../registry-access';

class NotFound extends Error {
  readonly statusCode = 404;
  constructor(what: string) {
    super(`${what} unknown`);
    this.name = 'RestError';
  }
}

interface StoredManifest {
  content: Buffer;
  mediaType: string;
}

interface Repository {
  blobs: Map<string, Buffer>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
}

/**
 * An OCI registry in memory for unit tests, with the content client's behaviour: digests
 * computed by the registry, 404s as errors with statusCode, manifests refused when they
 * reference blobs or manifests the repository does not have (as distribution does).
 */
export class MemoryRegistry implements RegistryClient {
  readonly repositories = new Map<string, Repository>();
  /** Every call, in order, as "<repository> <operation> <argument>". */
  readonly calls: string[] = [];

  constructor(readonly registry = '127.0.0.1:5000') {}

  private repo(name: string): Repository {
    let repository = this.repositories.get(name);
    if (!repository) {
      repository = { blobs: new Map(), manifests: new Map(), tags: new Map() };
      this.repositories.set(name, repository);
    }
    return repository;
  }

  tagsOf(repository: string): Record<string, string> {
    return Object.fromEntries(this.repositories.get(repository)?.tags ?? []);
  }

  content(repository: string): ContentClient {
    const repo = () => this.repo(repository);
    const record = (operation: string, argument: string) => this.calls.push(`${repository} ${operation} ${argument}`);
    const client = {
      uploadBlob: async (blob: NodeJS.ReadableStream | Buffer) => {
        const bytes = Buffer.isBuffer(blob) ? blob : await readAll(blob);
        const digest = sha256Digest(bytes);
        record('uploadBlob', digest);
        repo().blobs.set(digest, bytes);
        return { digest, sizeInBytes: bytes.length };
      },
      downloadBlob: async (digest: string) => {
        record('downloadBlob', digest);
        const bytes = this.repositories.get(repository)?.blobs.get(digest);
        if (!bytes) throw new NotFound(`blob ${digest}`);
        return { digest, content: Readable.from([bytes]) };
      },
      setManifest: async (manifest: Buffer | NodeJS.ReadableStream | Record<string, unknown>, options: { tag?: string; mediaType?: string } = {}) => {
        const content = Buffer.isBuffer(manifest) ? manifest : 'pipe' in manifest ? await readAll(manifest as NodeJS.ReadableStream) : Buffer.from(JSON.stringify(manifest));
        const digest = sha256Digest(content);
        record('setManifest', options.tag ?? digest);
        const mediaType = options.mediaType ?? mediaTypes.ociManifest;
        const parsed = JSON.parse(content.toString('utf8')) as ImageManifest | ImageIndex;
        const missing = isIndex(mediaType, parsed)
          ? parsed.manifests.filter((child) => !repo().manifests.has(child.digest)).map((child) => child.digest)
          : [parsed.config, ...parsed.layers].filter((blob) => !repo().blobs.has(blob.digest)).map((blob) => blob.digest);
        if (missing.length > 0) throw Object.assign(new Error(`manifest references unknown ${missing.join(', ')}`), { statusCode: 400 });
        repo().manifests.set(digest, { content, mediaType });
        if (options.tag) repo().tags.set(options.tag, digest);
        return { digest };
      },
      getManifest: async (tagOrDigest: string) => {
        record('getManifest', tagOrDigest);
        const existing = this.repositories.get(repository);
        const digest = tagOrDigest.startsWith('sha256:') ? tagOrDigest : existing?.tags.get(tagOrDigest);
        const stored = digest ? existing?.manifests.get(digest) : undefined;
        if (!digest || !stored) throw new NotFound(`manifest ${tagOrDigest}`);
        return { digest, mediaType: stored.mediaType, content: stored.content, manifest: JSON.parse(stored.content.toString('utf8')) };
      },
    };
    return client as unknown as ContentClient;
  }
}

/** Pushes a small, real-shaped image (config + one layer + OCI manifest) and returns its digest. */
export async function pushTestImage(registry: RegistryClient, repository: string, tag: string, payload = tag): Promise<string> {
  const content = registry.content(repository);
  const layer = Buffer.from(`layer of ${payload}`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] }, config: {} }));
  const configBlob = await content.uploadBlob(config);
  const layerBlob = await content.uploadBlob(layer);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configBlob.digest, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerBlob.digest, size: layer.length }],
  };
  const { digest } = await content.setManifest(Buffer.from(JSON.stringify(manifest)), { tag, mediaType: mediaTypes.ociManifest });
  return digest;
}

/** helm's media types for a chart pushed to an OCI registry. */
export const helmMediaTypes = { config: 'application/vnd.cncf.helm.config.v1+json', content: 'application/vnd.cncf.helm.chart.content.v1.tar.gz' };

/**
 * Pushes a small, helm-shaped chart (config = Chart.yaml as JSON, one content layer) to
 * helm/<name>, tagged with its version as helm push does; returns it as the charts file records it.
 */
export async function pushTestChart(registry: RegistryClient, name: string, version: string, payload = `${name}-${version}`): Promise<ChartArtifact> {
  const repository = `${chartNamespace}/${name}`;
  const content = registry.content(repository);
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', name, version, type: 'application' }));
  const layer = Buffer.from(`chart ${payload}`);
  const configBlob = await content.uploadBlob(config);
  const layerBlob = await content.uploadBlob(layer);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: helmMediaTypes.config, digest: configBlob.digest, size: config.length },
    layers: [{ mediaType: helmMediaTypes.content, digest: layerBlob.digest, size: layer.length }],
  };
  const { digest } = await content.setManifest(Buffer.from(JSON.stringify(manifest)), { tag: version, mediaType: mediaTypes.ociManifest });
  return { repository, version, digest };
}

/** The charts of `apps` pushed for `sha` (version 0.1.0-<short sha>), as `shipyard charts push` records them. */
export async function pushTestCharts(registry: RegistryClient, apps: readonly string[], sha: string): Promise<ChartsFile> {
  const charts: ChartsFile = {};
  for (const app of apps) charts[app] = await pushTestChart(registry, app, `0.1.0-${sha.slice(0, 12)}`);
  return charts;
}

/** Name and version of a chart in the registry, from its helm config: what `helm show chart` of a reference prints. */
export async function testChartOf(registry: RegistryClient, repository: string, digest: string): Promise<{ name: string; version: string }> {
  const content = registry.content(repository);
  const manifest = (await content.getManifest(digest)).manifest as unknown as ImageManifest;
  return JSON.parse((await readAll((await content.downloadBlob(manifest.config.digest)).content)).toString('utf8')) as { name: string; version: string };
}

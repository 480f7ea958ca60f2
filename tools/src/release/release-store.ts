import { chartReference } from '../charts/publish';
import { CliError, ExitCode } from '../cli/errors';
import { type Descriptor, emptyConfig, type ImageManifest, mediaTypes, readAll, sha256Digest } from './oci';
import { isNotFound, type RegistryClient, registryError } from './registry-access';
import { describeRef, type ReleaseRef, refTagOrDigest } from './release-ref';
import { type CarrySource, imageReference, parseCarrySource, parseRelease, type ReleaseManifest, releaseMediaType, releaseRepository, serializeRelease } from './release-manifest';

export interface PulledRelease {
  manifest: ReleaseManifest;
  /** Digest of the OCI manifest of the release artifact: what tags point to. */
  digest: string;
  /** The artifact's manifest bytes, to re-tag it without changing its digest. */
  artifact: Buffer;
  artifactMediaType: string;
}

/**
 * A release as a tag target: enough to name it and tag it again (same bytes, same digest),
 * whatever its schemaVersion. What deploy moves env-<env>-previous and -failed to.
 */
export interface ReleaseHandle {
  manifest: { gitSha: string };
  digest: string;
  artifact: Buffer;
  artifactMediaType: string;
}

interface FetchedRelease {
  where: string;
  document: string;
  digest: string;
  artifact: Buffer;
  artifactMediaType: string;
}

/** One artifact a release deploys: an app's image or its chart. */
export interface ArtifactCheck {
  app: string;
  kind: 'image' | 'chart';
  reference: string;
  ok: boolean;
  problem?: string;
}

const layerTitle = 'release.json';

/** The OCI manifest of a release artifact whose only layer is the release document. */
export function releaseArtifactManifest(document: Buffer, configDigest: string, manifest: ReleaseManifest): ImageManifest {
  const layer: Descriptor = {
    mediaType: releaseMediaType,
    digest: sha256Digest(document),
    size: document.length,
    annotations: { 'org.opencontainers.image.title': layerTitle },
  };
  return {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    artifactType: releaseMediaType,
    config: { mediaType: mediaTypes.empty, digest: configDigest, size: emptyConfig.length },
    layers: [layer],
    annotations: {
      'org.opencontainers.image.revision': manifest.gitSha,
      'dev.shipyard.release.apps': Object.keys(manifest.apps).sort().join(','),
    },
  };
}

/**
 * Release manifests in the registry's shipyard/releases repository: tagged by git sha, with
 * env-<env> pointer tags on the same artifact.
 */
export class ReleaseStore {
  constructor(readonly client: RegistryClient) {}

  get registry(): string {
    return this.client.registry;
  }

  private get releases() {
    return this.client.content(releaseRepository);
  }

  /** Uploads the document and config, then the artifact manifest tagged with the release's git sha. */
  async push(manifest: ReleaseManifest): Promise<{ digest: string; tag: string }> {
    const document = Buffer.from(serializeRelease(manifest));
    try {
      const config = await this.releases.uploadBlob(emptyConfig);
      await this.releases.uploadBlob(document);
      const artifact = Buffer.from(JSON.stringify(releaseArtifactManifest(document, config.digest, manifest)));
      const { digest } = await this.releases.setManifest(artifact, { tag: manifest.gitSha, mediaType: mediaTypes.ociManifest });
      return { digest, tag: manifest.gitSha };
    } catch (error) {
      throw registryError(error, this.registry, `pushing release ${manifest.gitSha}`);
    }
  }

  /** The artifact and document a reference names, checked against their digests; null when the registry has no such tag or digest. */
  private async fetch(ref: ReleaseRef): Promise<FetchedRelease | null> {
    const where = `${this.registry}/${releaseRepository}:${describeRef(ref)}`;
    let artifact: { digest: string; mediaType: string; content: Buffer; manifest: unknown };
    try {
      artifact = await this.releases.getManifest(refTagOrDigest(ref));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw registryError(error, this.registry, `reading ${where}`);
    }
    const oci = artifact.manifest as ImageManifest;
    if (oci.artifactType !== releaseMediaType) {
      throw new CliError(`${where} is not a shipyard release (artifactType ${oci.artifactType ?? 'none'}, expected ${releaseMediaType})`, ExitCode.failed);
    }
    const layer = oci.layers?.find((candidate) => candidate.mediaType === releaseMediaType);
    if (!layer) throw new CliError(`${where} has no ${releaseMediaType} layer`, ExitCode.failed);
    let document: Buffer;
    try {
      document = await readAll((await this.releases.downloadBlob(layer.digest)).content);
    } catch (error) {
      throw registryError(error, this.registry, `downloading the release document of ${where}`);
    }
    if (sha256Digest(document) !== layer.digest) throw new CliError(`${where}: the release document does not match its digest ${layer.digest}`, ExitCode.failed);
    return { where, document: document.toString('utf8'), digest: artifact.digest, artifact: artifact.content, artifactMediaType: artifact.mediaType };
  }

  private checkSha(ref: ReleaseRef, gitSha: string, where: string): void {
    if (ref.kind === 'sha' && gitSha !== ref.tag) {
      throw new CliError(`${where} holds the release of ${gitSha}, not of ${ref.tag}: the tag was overwritten by hand`, ExitCode.failed);
    }
  }

  /** The release a reference names, or null when the registry has no such tag or digest. */
  async find(ref: ReleaseRef): Promise<PulledRelease | null> {
    const fetched = await this.fetch(ref);
    if (!fetched) return null;
    const manifest = parseRelease(fetched.document, fetched.where);
    this.checkSha(ref, manifest.gitSha, fetched.where);
    return { manifest, digest: fetched.digest, artifact: fetched.artifact, artifactMediaType: fetched.artifactMediaType };
  }

  /** A release to carry entries over from: any version this shipyard can carry from (version 1: images only). */
  async findCarrySource(ref: ReleaseRef): Promise<{ manifest: CarrySource; digest: string } | null> {
    const fetched = await this.fetch(ref);
    if (!fetched) return null;
    const manifest = parseCarrySource(fetched.document, fetched.where);
    this.checkSha(ref, manifest.gitSha, fetched.where);
    return { manifest, digest: fetched.digest };
  }

  /** A release only to name and re-tag (a pointer deploy moves), of any schemaVersion. */
  async findHandle(ref: ReleaseRef): Promise<ReleaseHandle | null> {
    const fetched = await this.fetch(ref);
    if (!fetched) return null;
    const manifest = parseCarrySource(fetched.document, fetched.where);
    this.checkSha(ref, manifest.gitSha, fetched.where);
    return { manifest: { gitSha: manifest.gitSha }, digest: fetched.digest, artifact: fetched.artifact, artifactMediaType: fetched.artifactMediaType };
  }

  async pull(ref: ReleaseRef): Promise<PulledRelease> {
    const found = await this.find(ref);
    if (!found) {
      const hint = ref.kind === 'pointer' ? ' (nothing has been deployed there yet through shipyard deploy)' : ' (was `shipyard release push` run for it?)';
      throw new CliError(`no release ${describeRef(ref)} in ${this.registry}/${releaseRepository}${hint}`, ExitCode.failed);
    }
    return found;
  }

  /** Points `tag` at the release: the same manifest bytes, so the same digest. */
  async setTag(release: ReleaseHandle, tag: string): Promise<void> {
    try {
      const { digest } = await this.releases.setManifest(release.artifact, { tag, mediaType: release.artifactMediaType });
      if (digest !== release.digest) throw new CliError(`tagging ${tag}: the registry stored ${digest}, expected ${release.digest}`, ExitCode.failed);
    } catch (error) {
      throw registryError(error, this.registry, `tagging release ${release.manifest.gitSha} as ${tag}`);
    }
  }

  /** Checks that every image and chart of the release exists in this registry, by digest (per app: image, then chart). */
  async verify(manifest: ReleaseManifest): Promise<ArtifactCheck[]> {
    const check = async (app: string, kind: ArtifactCheck['kind'], repository: string, digest: string, reference: string): Promise<ArtifactCheck> => {
      try {
        const found = await this.client.content(repository).getManifest(digest);
        if (found.digest !== digest) return { app, kind, reference, ok: false, problem: `registry answered with ${found.digest}` };
        return { app, kind, reference, ok: true };
      } catch (error) {
        if (isNotFound(error)) return { app, kind, reference, ok: false, problem: 'not found in the registry' };
        if ((error as Error).name === 'DigestMismatchError') return { app, kind, reference, ok: false, problem: (error as Error).message };
        throw registryError(error, this.registry, `checking ${reference}`);
      }
    };
    const checks = Object.entries(manifest.apps).flatMap(([app, entry]) => [
      check(app, 'image', entry.image.repository, entry.image.digest, imageReference(this.registry, entry)),
      check(app, 'chart', entry.chart.repository, entry.chart.digest, chartReference(this.registry, entry.chart)),
    ]);
    return Promise.all(checks);
  }

  /** verify(), failing with every missing image and chart listed. */
  async requireComplete(manifest: ReleaseManifest): Promise<ArtifactCheck[]> {
    const checks = await this.verify(manifest);
    const bad = checks.filter((check) => !check.ok);
    if (bad.length > 0) {
      throw new CliError(`release ${manifest.gitSha} is not deployable from ${this.registry}:\n${bad.map((c) => `  ${c.app} ${c.kind}: ${c.reference}: ${c.problem}`).join('\n')}`, ExitCode.failed);
    }
    return checks;
  }
}

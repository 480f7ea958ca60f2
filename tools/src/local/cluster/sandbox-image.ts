import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The sandbox image's name: content-addressed, so a rebuilt pause binary is a new image. */
export function sandboxImageName(pauseBinary: Buffer): string {
  return `shipyard.local/pause:${sha256(pauseBinary).slice(0, 12)}`;
}

/**
 * Writes an OCI image layout tarball holding only the pause binary (entrypoint /pause), for
 * `ctr images import`: the sandbox image registry.k8s.io/pause cannot be pulled here.
 */
export async function writeSandboxImage(pauseBinaryPath: string, outFile: string): Promise<string> {
  const binary = readFileSync(pauseBinaryPath);
  const name = sandboxImageName(binary);
  const work = mkdtempSync(path.join(os.tmpdir(), 'shipyard-pause-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    mkdirSync(rootfs);
    copyFileSync(pauseBinaryPath, path.join(rootfs, 'pause'));
    chmodSync(path.join(rootfs, 'pause'), 0o755);
    const layerFile = path.join(work, 'layer.tar');
    await tar.c({ cwd: rootfs, file: layerFile, portable: true, mtime: new Date(0) }, ['pause']);
    const layer = readFileSync(layerFile);
    const layout = path.join(work, 'layout');
    const blobs = path.join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const blob = (content: Buffer | string) => {
      const digest = sha256(content);
      writeFileSync(path.join(blobs, digest), content);
      return { digest: `sha256:${digest}`, size: Buffer.byteLength(content) };
    };
    const layerBlob = blob(layer);
    const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/pause'] }, rootfs: { type: 'layers', diff_ids: [layerBlob.digest] } }));
    const manifest = blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
      }),
    );
    writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      path.join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            ...manifest,
            platform: { architecture: 'amd64', os: 'linux' },
            annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':')[1] },
          },
        ],
      }),
    );
    await tar.c({ cwd: layout, file: outFile, portable: true }, ['oci-layout', 'index.json', 'blobs']);
    return name;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

import { createHash } from 'node:crypto';
import { CliError, ExitCode } from '../cli/errors';

/** The two base images every service image is built from (Dockerfile ARGs BUILD_BASE / RUNTIME_BASE). */
export interface BaseImages {
  /** Has a shell, Node and npm: `npm ci` runs here. Never shipped. */
  build: string;
  /** Node and the shared libraries it needs, nothing else: the service runs here. */
  runtime: string;
}

export type BaseImageSource = { kind: 'public' } | { kind: 'mirror'; registry: string };

export function nodeMajor(nodeVersion: string): string {
  const match = /^v?(\d+)\.\d+\.\d+$/.exec(nodeVersion.trim());
  if (!match) throw new CliError(`"${nodeVersion}" is not a Node version like 24.21.0 (check .nvmrc)`, ExitCode.usage);
  return match[1];
}

/**
 * The public images the Dockerfile defaults to, per Node major, each pinned by digest: a tag
 * moves whenever its publisher pushes, a digest names fixed bytes, and the pull verifies them.
 * Debian 12 on both sides: anything the build stage compiles links against the same glibc
 * the runtime has. distroless' `nonroot` tag is the variant meant for non-root services
 * (the Dockerfile still sets its own numeric user). The tag stays in the reference for
 * readers; to move a pin, `docker buildx imagetools inspect <name:tag>` prints the current
 * index digest.
 */
export const publicBasePins: Readonly<Record<string, BaseImages>> = {
  '24': {
    build: 'node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d',
    runtime: 'gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a',
  },
};

export function publicBaseImages(nodeVersion: string): BaseImages {
  const major = nodeMajor(nodeVersion);
  const pinned = publicBasePins[major];
  if (!pinned) {
    throw new CliError(
      `no pinned base images for Node ${major} (.nvmrc): add node:${major}-bookworm-slim and gcr.io/distroless/nodejs${major}-debian12:nonroot with their digests to publicBasePins in tools/src/images/base-images.ts`,
      ExitCode.usage,
    );
  }
  return pinned;
}

/** Splits a reference into registry host (docker.io when none is named), repository path, tag and digest. */
export function parseImageReference(reference: string): { registry: string; path: string; tag: string; digest?: string } {
  const match = /^([^@\s]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(reference);
  if (!match) throw new CliError(`"${reference}" is not an image reference like name:tag or name:tag@sha256:<digest>`, ExitCode.usage);
  const [, name, tag = 'latest', digest] = match;
  const [first, ...rest] = name.split('/');
  const firstIsRegistry = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const where = firstIsRegistry ? { registry: first, path: rest.join('/'), tag } : { registry: 'docker.io', path: rest.length > 0 ? name : `library/${name}`, tag };
  return digest ? { ...where, digest } : where;
}

/**
 * Where a public base lives in a mirror: the same repository path and tag under the
 * mirror's host, which is what `az acr import --source <public> --image <path:tag>` creates
 * and what `shipyard images base` pushes to the local registry. The public digest is not
 * carried over: the local stand-in builds its own bases (other bytes, another digest).
 */
export function mirroredReference(publicReference: string, mirror: string): string {
  const { path, tag } = parseImageReference(publicReference);
  return `${mirror}/${path}:${tag}`;
}

/** A registry host[:port], optionally with a path prefix (myacr.azurecr.io/mirror), no scheme. */
export function validateRegistry(value: string, variable: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9._-]+)*$/.test(trimmed)) {
    throw new CliError(
      `${variable}="${value}" is not a registry like 127.0.0.1:5000 or myacr.azurecr.io (no scheme, no tag)`,
      ExitCode.usage,
    );
  }
  return trimmed;
}

/**
 * SHIPYARD_BASE_REGISTRY switches every build to the mirrored bases; unset, the public
 * ones. There is deliberately no fallback between the two: a build that was asked to use
 * the mirror fails when the mirror lacks a base instead of quietly pulling from the internet.
 */
export function resolveBaseImages(nodeVersion: string, env: NodeJS.ProcessEnv): { images: BaseImages; source: BaseImageSource } {
  const publicImages = publicBaseImages(nodeVersion);
  const configured = env.SHIPYARD_BASE_REGISTRY?.trim();
  if (!configured) return { images: publicImages, source: { kind: 'public' } };
  const registry = validateRegistry(configured, 'SHIPYARD_BASE_REGISTRY');
  return {
    images: {
      build: mirroredReference(publicImages.build, registry),
      runtime: mirroredReference(publicImages.runtime, registry),
    },
    source: { kind: 'mirror', registry },
  };
}

/**
 * One digest over everything a base image is made of (named input → its sha256). Names are
 * sorted, so the order inputs are listed in does not matter; any changed byte does.
 */
export function baseImageInputsHash(inputs: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(inputs).sort()) {
    if (!/^[0-9a-f]{64}$/.test(inputs[name])) throw new Error(`input "${name}" is not a sha256 hex digest`);
    hash.update(`${name}\0${inputs[name]}\n`);
  }
  return hash.digest('hex');
}

/** Label that carries the inputs hash on a base image, so `images base` can tell it is current. */
export const baseInputsLabel = 'io.shipyard.base.inputs-sha256';

import { CliError, ExitCode } from '../cli/errors';
import type { GitRevision } from './workspace-facts';

export const defaultImageRegistry = '127.0.0.1:5000';

export interface ImageName {
  /** <registry>/<app> */
  repository: string;
  /** The immutable tag: the git commit the image was built from. */
  tag: string;
  /** <repository>:<tag> */
  reference: string;
  /** <repository>:<moving tag>, when one was asked for (e.g. main, latest). */
  movingReference: string | null;
}

/** The service name is the repository name: kebab-case, as everywhere else (folder, project, chart). */
export function validateAppName(app: string): string {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(app)) throw new CliError(`"${app}" is not a kebab-case service name`, ExitCode.usage);
  return app;
}

/**
 * The immutable tag: the full commit sha. A build from a tree with uncommitted changes gets
 * `<sha>-dirty`, so it can never be mistaken for (or overwrite) the image of the commit.
 */
export function immutableTag(revision: GitRevision): string {
  if (!/^[0-9a-f]{40}$/.test(revision.sha)) throw new CliError(`"${revision.sha}" is not a full git commit sha`, ExitCode.usage);
  return revision.dirty ? `${revision.sha}-dirty` : revision.sha;
}

/** A moving tag is any valid tag that cannot be confused with the immutable ones (no sha-like names). */
export function validateMovingTag(tag: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new CliError(`"${tag}" is not a valid image tag`, ExitCode.usage);
  if (/^[0-9a-f]{7,40}(-dirty)?$/.test(tag)) {
    throw new CliError(`moving tag "${tag}" looks like a commit sha; those tags are reserved for immutable images`, ExitCode.usage);
  }
  return tag;
}

export function imageName(registry: string, app: string, revision: GitRevision, movingTag?: string): ImageName {
  const repository = `${registry}/${validateAppName(app)}`;
  const tag = immutableTag(revision);
  return {
    repository,
    tag,
    reference: `${repository}:${tag}`,
    movingReference: movingTag ? `${repository}:${validateMovingTag(movingTag)}` : null,
  };
}

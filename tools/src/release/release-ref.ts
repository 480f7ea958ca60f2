import { CliError, ExitCode } from '../cli/errors';
import { environments, type Environment } from '../charts/layout';
import { digestPattern } from './oci';

/** Tags in shipyard/releases that say what runs where. */
export function pointerTags(environment: Environment) {
  return {
    /** The release the environment was last converged to. */
    current: `env-${environment}`,
    /** The release it ran before that: what a failed smoke test rolls back to. */
    previous: `env-${environment}-previous`,
    /** The last release rolled back from, kept for diagnosis. */
    failed: `env-${environment}-failed`,
  };
}

export type ReleaseRef =
  | { kind: 'sha'; tag: string }
  | { kind: 'pointer'; tag: string; environment: Environment }
  | { kind: 'digest'; digest: string };

const pointerPattern = new RegExp(`^env-(${environments.join('|')})(-previous|-failed)?$`);

/** A release reference as the commands take it: a full git sha, an environment pointer (env-dev, env-dev-previous, …) or a manifest digest. */
export function parseReleaseRef(value: string): ReleaseRef {
  const ref = value.trim();
  if (/^[0-9a-f]{40}$/.test(ref)) return { kind: 'sha', tag: ref };
  if (digestPattern.test(ref)) return { kind: 'digest', digest: ref };
  const pointer = pointerPattern.exec(ref);
  if (pointer) return { kind: 'pointer', tag: ref, environment: pointer[1] as Environment };
  const hint = /^[0-9a-f]{7,39}$/.test(ref) ? ' (abbreviated shas are ambiguous: give all 40 characters, e.g. `git rev-parse <ref>`)' : '';
  throw new CliError(
    `release reference "${value}" must be a full git sha, env-<${environments.join('|')}>[-previous|-failed] or sha256:<digest>${hint}`,
    ExitCode.usage,
  );
}

/** What getManifest is given for a reference. */
export function refTagOrDigest(ref: ReleaseRef): string {
  return ref.kind === 'digest' ? ref.digest : ref.tag;
}

export function describeRef(ref: ReleaseRef): string {
  return ref.kind === 'digest' ? ref.digest : ref.tag;
}

/**
 * Exit codes every shipyard command uses, so a pipeline step can tell a usage mistake
 * from a failed check from a broken environment.
 */
export const ExitCode = {
  ok: 0,
  /** The step ran and its check failed (smoke test, validation, policy). */
  failed: 1,
  /** Bad arguments or configuration: fix the call. */
  usage: 2,
  /** A required engine or service is missing or unreachable (Docker, registry, helm). */
  environment: 3,
  /** Interrupted by SIGINT/SIGTERM: a cancelled step never looks successful. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is meant for the person running the command, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

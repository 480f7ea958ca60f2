import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { CliError, ExitCode } from './errors';

let stopBeforeExit: (() => Promise<void>) | undefined;
const STOP_DEADLINE_MS = 10_000;

/**
 * For commands that serve until stopped (telemetry endpoint, rehearsal relays): keeps the
 * process running; on SIGINT/SIGTERM `stop` runs (bounded) before the process exits as
 * interrupted, so sockets and files are closed cleanly.
 */
export function serveUntilInterrupted(stop: () => Promise<void>): Promise<never> {
  stopBeforeExit = stop;
  return new Promise<never>(() => undefined);
}

/** Parses argv, runs the command, and turns every failure into one message and a meaningful exit code. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  const interrupt = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nshipyard: interrupted by ${signal}\n`);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref());
    void Promise.race([stopBeforeExit?.().catch(() => undefined), deadline]).finally(() => process.exit(ExitCode.interrupted));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

export function reportError(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // commander already printed help or the usage error.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof CliError) {
    process.stderr.write(`shipyard: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ZodError) {
    const lines = error.issues.map((issue) => `  ${issue.path.join('.') || '(input)'}: ${issue.message}`);
    process.stderr.write(`shipyard: invalid input\n${lines.join('\n')}\n`);
    return ExitCode.usage;
  }
  process.stderr.write(`shipyard: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.failed;
}

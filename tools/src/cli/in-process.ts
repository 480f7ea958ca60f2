import type { Command } from 'commander';
import { reportError } from './run';

export interface InProcessResult {
  code: number;
  /** What the command wrote to stderr (its progress and error lines). */
  stderr: string;
}

/**
 * Runs a shipyard command inside this process: the same commander program, options and exit
 * codes as `npx shipyard <args>`, without a new Node process and TypeScript load (seconds each).
 * The command's stdout and stderr lines go to `onLine` while it runs. Commands run one at a time.
 */
export async function runShipyardInProcess(args: string[], onLine: (line: string) => void): Promise<InProcessResult> {
  // Required here, not imported at the top: the program registers the command that calls this function.
  const { buildProgram } = require('../program') as typeof import('../program');
  const program = buildProgram();
  // commander exits the process on a usage error unless told otherwise, command by command.
  const throwInsteadOfExit = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(throwInsteadOfExit);
  };
  throwInsteadOfExit(program);
  const original = { out: process.stdout.write, err: process.stderr.write };
  let stderr = '';
  const pending = { out: '', err: '' };
  // onLine may itself write to stdout/stderr (the rehearsal's progress does): those writes go
  // straight through, or each line would be captured again, forever.
  let delivering = false;
  const capture = (stream: 'out' | 'err') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const target = stream === 'out' ? process.stdout : process.stderr;
      if (delivering) return (original[stream] as (...args: unknown[]) => boolean).call(target, chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (stream === 'err') stderr += text;
      const lines = (pending[stream] + text).split('\n');
      pending[stream] = lines.pop() ?? '';
      delivering = true;
      try {
        for (const line of lines) onLine(line);
      } finally {
        delivering = false;
      }
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  const exitCodeBefore = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = capture('out');
  process.stderr.write = capture('err');
  let code: number;
  try {
    await program.parseAsync(['node', 'shipyard', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    code = reportError(error);
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
    process.exitCode = exitCodeBefore;
  }
  for (const rest of [pending.out, pending.err]) if (rest) onLine(rest);
  return { code, stderr };
}

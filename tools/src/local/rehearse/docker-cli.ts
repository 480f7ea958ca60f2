import { runCommand, type RunOptions } from '../../process/run-command';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The rehearsal's view of the one process runner: a non-zero exit is a result, not an exception
 * (a rehearsal stage reports it); `onLine` gets the program's progress (stderr, or both streams) line by line.
 */
export async function exec(command: string, args: readonly string[], options: Pick<RunOptions, 'cwd' | 'env' | 'onLine' | 'linesFrom'> = {}): Promise<ExecResult> {
  const result = await runCommand(command, args, { ...options, allowExitCodes: 'any' });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

export const docker = (args: readonly string[]) => exec('docker', args);

export function lastLines(text: string, count = 8): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

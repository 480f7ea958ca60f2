import { spawn } from 'node:child_process';
import { CliError, ExitCode } from '../cli/errors';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed. */
  input?: string | Buffer;
  /** Forward the child's output to ours as it arrives (long builds), instead of only capturing it. */
  stream?: boolean;
  /** Prefix for streamed lines, so parallel builds stay readable. */
  prefix?: string;
  /** Exit codes that are not failures (the caller inspects the result). */
  allowExitCodes?: number[];
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell (arguments are never re-parsed) and resolves with its
 * output. A non-zero exit becomes a CliError carrying the tail of stderr, so the person
 * running the command sees why docker/openssl/debootstrap failed.
 */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const forward = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (!options.stream) return;
      const text = chunk.toString('utf8');
      target.write(options.prefix ? text.replace(/^(?=.)/gm, options.prefix) : text);
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // Progress goes to stderr so that --json output on stdout stays machine-readable.
    child.stdout.on('data', forward(process.stderr));
    child.stderr.on('data', forward(process.stderr));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new CliError(`\`${command}\` is not installed or not on PATH`, ExitCode.environment)
          : error,
      );
    });
    child.on('close', (code, signal) => {
      const result = {
        exitCode: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (result.exitCode === 0 || options.allowExitCodes?.includes(result.exitCode)) {
        resolve(result);
        return;
      }
      const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
      const how = signal ? `was killed by ${signal}` : `exited with ${result.exitCode}`;
      reject(new CliError(`\`${command} ${args.join(' ')}\` ${how}${tail ? `:\n${tail}` : ''}`, ExitCode.failed));
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

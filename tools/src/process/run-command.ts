import { spawn } from 'node:child_process';
import { CliError, ExitCode } from '../cli/errors';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed. */
  input?: string | Buffer;
  /** Forward the child's output to our stderr as it arrives (long builds), instead of only capturing it. */
  stream?: boolean;
  /** Prefix for streamed lines, so parallel builds stay readable. */
  prefix?: string;
  /** Called with each non-empty line of the child's stderr as it arrives (progress lines). */
  onLine?: (line: string) => void;
  /** Which output onLine sees: stderr (default; stdout stays data, e.g. JSON) or both (a program that reports on stdout). */
  linesFrom?: 'stderr' | 'both';
  /** Exit codes that are not failures, or 'any': the caller inspects the result. */
  allowExitCodes?: number[] | 'any';
  /** Kill the child (SIGTERM, then SIGKILL 5 s later) after this long: a failure naming the limit. */
  timeoutMs?: number;
  /** Values (tokens, passwords) replaced by *** in the error message of a failure. */
  redact?: readonly string[];
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Replaces every secret in the text; empty and very short values are left (they would blank out ordinary words). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  return secrets.filter((secret) => secret.length >= 4).reduce((out, secret) => out.split(secret).join('***'), text);
}

/**
 * The one way tools/src runs a program: without a shell (arguments are never re-parsed), output
 * captured (and streamed or handed over line by line when asked), stdin fed or closed, an
 * optional time limit. A non-zero exit not in allowExitCodes becomes a CliError carrying the
 * tail of the output, secrets redacted, so the person running the command sees why
 * docker/helm/openssl/debootstrap failed.
 */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    // One partial line per stream: interleaved chunks must not glue a stdout half-line to a stderr one.
    const pending = { stdout: '', stderr: '' };
    let timedOut = false;
    const forward = (chunk: Buffer) => {
      if (!options.stream) return;
      const text = chunk.toString('utf8');
      // Progress goes to stderr so that --json output on stdout stays machine-readable.
      process.stderr.write(options.prefix ? text.replace(/^(?=.)/gm, options.prefix) : text);
    };
    const lines = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      if (!options.onLine || (stream === 'stdout' && options.linesFrom !== 'both')) return;
      const parts = (pending[stream] + chunk.toString('utf8')).split('\n');
      pending[stream] = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) options.onLine(line);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      forward(chunk);
      lines('stdout', chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      forward(chunk);
      lines('stderr', chunk);
    });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }, options.timeoutMs)
      : undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new CliError(`\`${command}\` is not installed or not on PATH`, ExitCode.environment) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const rest of Object.values(pending)) if (rest.trim() && options.onLine) options.onLine(rest);
      const result = {
        exitCode: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      const line = redactText(`${command} ${args.join(' ')}`, options.redact);
      if (timedOut) {
        reject(new CliError(`\`${line}\` did not finish within ${(options.timeoutMs ?? 0) / 1000} s and was stopped`, ExitCode.failed));
        return;
      }
      if (result.exitCode === 0 || options.allowExitCodes === 'any' || options.allowExitCodes?.includes(result.exitCode)) {
        resolve(result);
        return;
      }
      const tail = redactText((result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n'), options.redact);
      const how = signal ? `was killed by ${signal}` : `exited with ${result.exitCode}`;
      reject(new CliError(`\`${line}\` ${how}${tail ? `:\n${tail}` : ''}`, ExitCode.failed));
    });
    child.stdin.on('error', () => undefined); // a child that exits without reading its input: the exit code tells
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; a non-zero exit is a result, not an exception. */
export function exec(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let pending = '';
    const lines = (chunk: Buffer) => {
      if (!options.onLine) return;
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) options.onLine(line);
    };
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      lines(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (pending.trim() && options.onLine) options.onLine(pending);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export const docker = (args: readonly string[]) => exec('docker', args);

export function lastLines(text: string, count = 8): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

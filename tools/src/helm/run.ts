import { spawn } from 'node:child_process';
import { defaultHelm, ensureHelm, type EnsureHelmOptions } from './binary';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the pinned helm and collects its output (for checks that read what helm printed). */
export async function runHelm(args: string[], options: { cwd?: string } & EnsureHelmOptions = {}): Promise<HelmResult> {
  const { cwd, ...helmOptions } = options;
  const helm = Object.keys(helmOptions).length > 0 ? await ensureHelm(helmOptions) : await defaultHelm();
  return new Promise((resolve, reject) => {
    const child = spawn(helm.path, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** Runs the pinned helm with the caller's terminal (the `shipyard helm` pass-through); resolves to its exit code. */
export async function execHelm(args: string[], log?: (line: string) => void): Promise<number> {
  const helm = await defaultHelm(log);
  return new Promise((resolve, reject) => {
    const child = spawn(helm.path, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

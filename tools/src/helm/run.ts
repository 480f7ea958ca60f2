import { spawn } from 'node:child_process';
import { runCommand } from '../process/run-command';
import { defaultHelm, ensureHelm, type EnsureHelmOptions } from './binary';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the pinned helm and collects its output (for checks that read what helm printed); a non-zero exit is a result. */
export async function runHelm(args: string[], options: { cwd?: string } & EnsureHelmOptions = {}): Promise<HelmResult> {
  const { cwd, ...helmOptions } = options;
  const helm = Object.keys(helmOptions).length > 0 ? await ensureHelm(helmOptions) : await defaultHelm();
  const result = await runCommand(helm.path, args, { cwd, allowExitCodes: 'any' });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
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

import { spawn } from 'node:child_process';
import { defaultHelm } from '../helm/binary';
import type { HelmResult } from '../helm/run';
import { workspaceRoot } from '../workspace/root';

/**
 * How deploy talks to helm. The real one runs the pinned helm from the workspace root (the
 * commands use paths relative to it, exactly as printed); tests give a fake that plays a
 * cluster, so the planner and executor are tested without one.
 */
export interface HelmRunner {
  /** Runs `helm <args>`; a non-zero exit is a result, not an exception. `stream` echoes output as it comes (long upgrades). */
  run(args: readonly string[], options?: { stream?: boolean }): Promise<HelmResult>;
}

export function pinnedHelmRunner(options: { cwd?: string; log?: (line: string) => void } = {}): HelmRunner {
  const cwd = options.cwd ?? workspaceRoot;
  return {
    async run(args, runOptions = {}) {
      const helm = await defaultHelm(options.log);
      return new Promise((resolve, reject) => {
        const child = spawn(helm.path, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        const echo = (chunk: Buffer) => {
          if (runOptions.stream) process.stderr.write(chunk.toString('utf8').replace(/^(?=.)/gm, '  | '));
        };
        child.stdout.on('data', (chunk: Buffer) => {
          stdout.push(chunk);
          echo(chunk);
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr.push(chunk);
          echo(chunk);
        });
        child.on('error', reject);
        child.on('close', (code, signal) =>
          resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
        );
      });
    },
  };
}

/** A helm command as a shell line: what --dry-run prints, copy-pasteable from the workspace root. */
export function formatHelmCommand(args: readonly string[]): string {
  const quote = (arg: string) => (/^[A-Za-z0-9_./:=@,+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  return ['helm', ...args].map(quote).join(' ');
}

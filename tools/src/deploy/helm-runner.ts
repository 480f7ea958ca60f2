import { defaultHelm } from '../helm/binary';
import { runCommand } from '../process/run-command';
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
      const result = await runCommand(helm.path, args, { cwd, stream: runOptions.stream, prefix: '  | ', allowExitCodes: 'any' });
      return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    },
  };
}

/** A helm command as a shell line: what --dry-run prints, copy-pasteable from the workspace root. */
export function formatHelmCommand(args: readonly string[]): string {
  const quote = (arg: string) => (/^[A-Za-z0-9_./:=@,+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  return ['helm', ...args].map(quote).join(' ');
}

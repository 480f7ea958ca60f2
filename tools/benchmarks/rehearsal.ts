import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../src/cli/errors';
import { cloneWorkspace } from '../src/local/rehearse/clone';

export interface RehearsalBenchmark {
  app: string;
  coldMs: number;
  warmMs: number;
  ratio: number;
  /** Seconds per stage, in the order the stages ran, for each run. */
  stages: { cold: Record<string, number>; warm: Record<string, number> };
}

/** A rehearsal's stage-end line: `[rehearse 1:02] images: ok in 12.3 s — …`. */
export function stageSeconds(line: string): [string, number] | null {
  const match = /\] (.+?): (?:ok|rolled back) in ([\d.]+) s/.exec(line);
  return match ? [match[1], Number(match[2])] : null;
}

/** Stage by stage, cold and warm side by side, then the totals and the ratio. */
export function formatBenchmark(result: RehearsalBenchmark): string {
  const names = [...new Set([...Object.keys(result.stages.cold), ...Object.keys(result.stages.warm)])];
  const outside = '(start, services, summary)';
  const width = Math.max(outside.length, ...names.map((name) => name.length));
  const cell = (seconds: number | undefined) => (seconds === undefined ? '—' : seconds.toFixed(1)).padStart(8);
  const rows = names.map((name) => `${name.padEnd(width)} ${cell(result.stages.cold[name])} ${cell(result.stages.warm[name])}`);
  const other = (run: 'cold' | 'warm') => (run === 'cold' ? result.coldMs : result.warmMs) / 1000 - Object.values(result.stages[run]).reduce((a, b) => a + b, 0);
  return [
    `${'stage'.padEnd(width)} ${'cold s'.padStart(8)} ${'warm s'.padStart(8)}`,
    ...rows,
    `${outside.padEnd(width)} ${cell(other('cold'))} ${cell(other('warm'))}`,
    `${'total'.padEnd(width)} ${cell(result.coldMs / 1000)} ${cell(result.warmMs / 1000)}`,
    `ratio warm/cold: ${result.ratio.toFixed(2)} (target ≤ 0.3; warm = after a one-line change in ${result.app})`,
  ].join('\n');
}

/** A one-line change that alters the service's build output, so its image digest changes and nothing else's does. */
export function oneLineChange(dir: string, app: string): string {
  const src = path.join(dir, 'apps', app, 'src');
  const file = readdirSync(src).find((name) => name === 'main.ts') ?? readdirSync(src).find((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'));
  if (!file) throw new CliError(`apps/${app}/src has no TypeScript file to change`, ExitCode.usage);
  appendFileSync(path.join(src, file), `export const rehearsalMarker = ${Date.now()};\n`);
  return path.join('apps', app, 'src', file);
}

export async function runRehearsalBenchmark(options: { app: string; targets: string; portBase: number; target: string; log: (line: string) => void }): Promise<RehearsalBenchmark> {
  const clone = await cloneWorkspace('shipyard-rehearsal-benchmark-');
  const args = ['rehearse', '--target', options.target, '--port-base', String(options.portBase), '--targets', options.targets];
  const stages: RehearsalBenchmark['stages'] = { cold: {}, warm: {} };
  const timed = async (label: 'cold' | 'warm') => {
    const started = Date.now();
    // Cold: no Nx cache, no Docker build layers (the base images stay: building them is a one-off per machine).
    const result = await clone.shipyard(label === 'cold' ? [...args, '--no-cache'] : args, (line) => {
      const stage = stageSeconds(line);
      if (stage) stages[label][stage[0]] = stage[1];
      if (line.includes('── ') || /: (ok|FAILED)/.test(line)) options.log(`${label}: ${line.trim()}`);
    });
    if (result.code !== 0) throw new CliError(`${label} rehearsal failed:\n${result.stderr.split('\n').slice(-30).join('\n')}`, ExitCode.failed);
    return Date.now() - started;
  };
  try {
    options.log(`clone in ${clone.dir}; cold rehearsal (everything affected)…`);
    const coldMs = await timed('cold');
    const changed = oneLineChange(clone.dir, options.app);
    await clone.git(['commit', '-q', '-am', `benchmark: one-line change in ${options.app}`]);
    options.log(`changed ${changed}; warm rehearsal…`);
    const warmMs = await timed('warm');
    return { app: options.app, coldMs, warmMs, ratio: warmMs / coldMs, stages };
  } finally {
    await clone.shipyard(['rehearse', '--down']);
    clone.dispose();
  }
}

import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { cloneWorkspace } from './clone';

export interface RehearsalBenchmark {
  app: string;
  coldMs: number;
  warmMs: number;
  ratio: number;
}

/** A one-line change that alters the service's build output, so its image digest changes and nothing else's does. */
export function oneLineChange(dir: string, app: string): string {
  const src = path.join(dir, 'apps', app, 'src');
  const file = readdirSync(src).find((name) => name === 'main.ts') ?? readdirSync(src).find((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'));
  if (!file) throw new CliError(`apps/${app}/src has no TypeScript file to change`, ExitCode.usage);
  appendFileSync(path.join(src, file), `export const rehearsalMarker = ${Date.now()};\n`);
  return path.join('apps', app, 'src', file);
}

export async function runRehearsalBenchmark(options: { app: string; targets: string; portBase: number; log: (line: string) => void }): Promise<RehearsalBenchmark> {
  const clone = await cloneWorkspace('shipyard-rehearsal-benchmark-');
  const args = ['rehearse', '--port-base', String(options.portBase), '--targets', options.targets];
  const timed = async (label: 'cold' | 'warm') => {
    const started = Date.now();
    // Cold: no Nx cache, no Docker build layers (the base images stay: building them is a one-off per machine).
    const result = await clone.shipyard(label === 'cold' ? [...args, '--no-cache'] : args, (line) => {
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
    return { app: options.app, coldMs, warmMs, ratio: warmMs / coldMs };
  } finally {
    await clone.shipyard(['rehearse', '--down']);
    clone.dispose();
  }
}

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What a rehearsal leaves behind for the next one and for --down (tmp/rehearse/state.json). */
export interface RehearsalState {
  /** Commit of the last rehearsal that got as far as a release: the next one's affected base. */
  lastReleaseSha?: string;
  registry?: { address: string; startedByRehearsal: boolean };
  telemetry?: { pid: number; url: string; connectionString: string; caFile: string };
  proxy?: { pid: number; ports: number[] };
  /** kube target: the background kubectl port-forwards (app=port specs) and the cluster they reach. */
  forwards?: { pid: number; specs: string[]; ports: number[]; kubeconfig: string; context?: string; namespace: string };
  /** kube target on the local cluster: whether the rehearsal started it (then --down stops it). */
  cluster?: { name: string; startedByRehearsal: boolean };
  portBase?: number;
  environments?: string[];
}

export interface StatePaths {
  dir: string;
  file: string;
  routesFile: string;
  envDir(environment: string): string;
  log(name: string): string;
}

export function statePaths(root: string): StatePaths {
  const dir = path.join(root, 'tmp', 'rehearse');
  return {
    dir,
    file: path.join(dir, 'state.json'),
    routesFile: path.join(dir, 'routes.json'),
    envDir: (environment) => path.join(dir, 'environments', environment),
    log: (name) => path.join(dir, `${name}.log`),
  };
}

export function readState(paths: StatePaths): RehearsalState {
  return existsSync(paths.file) ? (JSON.parse(readFileSync(paths.file, 'utf8')) as RehearsalState) : {};
}

export function writeState(paths: StatePaths, state: RehearsalState): void {
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(`${paths.file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${paths.file}.tmp`, paths.file);
}

/** True when the pid is alive and is one of ours (its command line names shipyard), not a recycled pid. */
export function ownProcessAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('shipyard');
  } catch {
    return false;
  }
}

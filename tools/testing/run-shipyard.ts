import { spawn } from 'node:child_process';
import path from 'node:path';

const workspaceRoot = path.resolve(__dirname, '..', '..');
const bin = path.join(workspaceRoot, 'tools', 'bin', 'shipyard.cjs');

export interface ShipyardRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the shipyard CLI as a separate process, exactly as a pipeline step does, and collects
 * its output. `env` is the child's whole environment (pass `{ ...process.env, … }` to extend).
 */
export function runShipyard(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ShipyardRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@shipyard/source', bin, ...args], {
      cwd: options.cwd ?? workspaceRoot,
      env: options.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

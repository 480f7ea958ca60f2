import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../cli/errors';
import type { EngineEnv } from './docker-engine';
import { runCommand } from '../process/run-command';

/**
 * A second Docker engine with nothing in it — no images, no layer or build cache — like the
 * engine of a fresh hosted agent. Its own data root, exec root (and so its own containerd),
 * pid file and socket; host networking only and no iptables rules, like the machine's engine.
 * Commands reach it with `env` (DOCKER_HOST=unix://…).
 */
export interface ScratchEngine {
  env: EngineEnv;
  root: string;
  stop(): Promise<void>;
}

/** The dockerd arguments of a scratch engine under `root` (socket paths stay short: unix sockets allow 107 bytes). */
export function scratchEngineArgs(root: string): string[] {
  return [
    '--data-root', path.join(root, 'data'),
    '--exec-root', path.join(root, 'exec'),
    '--pidfile', path.join(root, 'dockerd.pid'),
    '--host', `unix://${path.join(root, 'docker.sock')}`,
    '--config-file', path.join(root, 'daemon.json'),
    '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false',
  ];
}

async function answers(env: EngineEnv): Promise<boolean> {
  const result = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], { env: { ...process.env, ...env }, allowExitCodes: [1] }).catch(() => null);
  return result?.exitCode === 0 && result.stdout.trim().length > 0;
}

/** Mount points under `root` that a stopped engine left behind (overlay, shm), deepest first. */
function mountsUnder(root: string): string[] {
  return fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((mount): mount is string => Boolean(mount) && (mount === root || mount.startsWith(`${root}/`)))
    .sort((a, b) => b.length - a.length);
}

export async function startScratchEngine(options: { log: (line: string) => void; readyWithinSeconds?: number }): Promise<ScratchEngine> {
  if (process.getuid?.() !== 0) throw new CliError('a scratch Docker engine needs root (dockerd)', ExitCode.environment);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-engine-'));
  fs.writeFileSync(path.join(root, 'daemon.json'), '{}\n');
  const logFile = fs.openSync(path.join(root, 'dockerd.log'), 'a');
  const daemon = spawn('dockerd', scratchEngineArgs(root), { stdio: ['ignore', logFile, logFile], detached: false });
  fs.closeSync(logFile);
  const exited = new Promise<number | null>((resolve) => {
    daemon.once('exit', (code) => resolve(code));
    daemon.once('error', () => resolve(-1));
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const env: EngineEnv = { DOCKER_HOST: `unix://${path.join(root, 'docker.sock')}` };

  const stop = async () => {
    if (running) {
      daemon.kill('SIGTERM');
      const timeout = new AbortController();
      const stopped = await Promise.race([exited.then(() => true), sleep(30_000, false, { signal: timeout.signal }).catch(() => false)]);
      timeout.abort();
      if (!stopped) {
        daemon.kill('SIGKILL');
        await exited;
      }
    }
    for (const mount of mountsUnder(root)) await runCommand('umount', ['--lazy', mount], { allowExitCodes: [32] });
    fs.rmSync(root, { recursive: true, force: true });
  };

  const limit = Date.now() + (options.readyWithinSeconds ?? 120) * 1000;
  while (!(await answers(env))) {
    if (!running || Date.now() > limit) {
      const tail = fs.readFileSync(path.join(root, 'dockerd.log'), 'utf8').trim().split('\n').slice(-10).join('\n');
      await stop();
      throw new CliError(`the scratch Docker engine did not start${running ? ' in time' : ''}:\n${tail}`, ExitCode.environment);
    }
    await sleep(500);
  }
  options.log(`scratch engine up (empty data root ${path.join(root, 'data')})`);
  return { env, root, stop };
}

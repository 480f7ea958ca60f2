import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../../cli/errors';

/** A long-running process of the cluster: its pid file and log under the cluster's folder. */
export interface Daemon {
  name: string;
  command: string;
  args: string[];
  /** Run inside this network namespace (nsenter --net), else on the host. */
  netns?: string;
}

export function netnsPath(netns: string): string {
  return path.join('/run/netns', netns);
}

/** The command line that starts a daemon: nsenter execs it, so the pid is the daemon's own. */
export function daemonCommandLine(daemon: Daemon): string[] {
  return daemon.netns ? ['nsenter', `--net=${netnsPath(daemon.netns)}`, '--', daemon.command, ...daemon.args] : [daemon.command, ...daemon.args];
}

export function startDaemon(daemon: Daemon, dirs: { logs: string; pids: string }): number {
  const [command, ...args] = daemonCommandLine(daemon);
  const logFd = openSync(path.join(dirs.logs, `${daemon.name}.log`), 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  if (!child.pid) throw new CliError(`cannot start ${daemon.name} (${command})`, ExitCode.environment);
  writeFileSync(path.join(dirs.pids, `${daemon.name}.pid`), `${child.pid}\n`);
  return child.pid;
}

export function logTail(logs: string, name: string, lines = 15): string {
  const file = path.join(logs, `${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n') : '';
}

/** The pid recorded for `name`, while that process still runs `command` (by name or path; a recycled pid is never signalled). */
export function ownedPid(pids: string, name: string, command: string): number | null {
  const file = path.join(pids, `${name}.pid`);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[0] === command || path.basename(argv[0]) === path.basename(command) ? pid : null;
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when every pid is gone. */
export async function stopPids(pids: number[], graceMs = 10_000): Promise<void> {
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < killDeadline) await sleep(100);
}

/** Every pid whose network namespace is `netnsFile` (what `ip netns pids` prints). */
export function pidsInNetns(netnsFile: string): number[] {
  let target: string;
  try {
    target = readlinkNs(netnsFile);
  } catch {
    return [];
  }
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`) === target;
      } catch {
        return false;
      }
    });
}

/** The namespace identity (net:[inode]) of a bind-mounted netns file. */
function readlinkNs(netnsFile: string): string {
  return `net:[${statSync(netnsFile).ino}]`;
}

/** Every pid in a cgroup v1 subtree (e.g. /sys/fs/cgroup/pids/kubepods): the pods' processes. */
export function pidsInCgroupTree(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const found: number[] = [];
  const walk = (current: string) => {
    try {
      for (const line of readFileSync(path.join(current, 'cgroup.procs'), 'utf8').split('\n')) if (line.trim()) found.push(Number(line));
      for (const entry of readdirSync(current, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(current, entry.name));
    } catch {
      // removed while walking
    }
  };
  walk(dir);
  return [...new Set(found)];
}

/** Removes a cgroup subtree, deepest first (rmdir is the only way; the files inside are virtual). */
export function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  try {
    rmdirSync(dir);
  } catch {
    // still in use or already gone: reported by the caller's leftover check
  }
}

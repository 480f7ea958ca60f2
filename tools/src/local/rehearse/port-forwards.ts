import { type ChildProcess, spawn } from 'node:child_process';
import { CliError, ExitCode } from '../../cli/errors';
import { portForwardArgs as kubectlPortForwardArgs } from '../../smoke/port-forward';
import type { ClusterAccess } from './kube-target';

export interface ForwardSpec {
  app: string;
  /** Loopback port on this machine. */
  port: number;
}

/** `--forward app=port` values → specs; a malformed one is a usage error naming it. */
export function parseForwards(values: readonly string[]): ForwardSpec[] {
  return values.map((value) => {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=(\d{1,5})$/.exec(value);
    const port = match ? Number(match[3]) : NaN;
    if (!match || port < 1 || port > 65_535) throw new CliError(`--forward ${value}: expected <app>=<port>, e.g. storefront=18010`, ExitCode.usage);
    return { app: match[1], port };
  });
}

export function portForwardArgs(spec: ForwardSpec, access: ClusterAccess & { namespace: string }): string[] {
  return kubectlPortForwardArgs({ app: spec.app, localPort: spec.port, ...access });
}

/**
 * Keeps one `kubectl port-forward svc/<app>` per spec running. kubectl binds a Service's forward
 * to one pod; when a rollout replaces that pod the forward ends, so an exited forward is started
 * again after a second. The returned function stops them all.
 */
export function keepForwards(specs: readonly ForwardSpec[], access: ClusterAccess & { namespace: string; kubectl: string }, log: (line: string) => void): () => Promise<void> {
  let stopping = false;
  const children = new Set<ChildProcess>();
  const start = (spec: ForwardSpec) => {
    const child = spawn(access.kubectl, portForwardArgs(spec, access), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) log(`svc/${spec.app} 127.0.0.1:${spec.port}: ${line}`);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.on('error', (error) => log(`svc/${spec.app}: cannot run ${access.kubectl}: ${error.message}`));
    child.on('close', (code) => {
      children.delete(child);
      if (stopping) return;
      log(`svc/${spec.app}: kubectl port-forward exited (${code}); starting it again in 1 s`);
      setTimeout(() => {
        if (!stopping) start(spec);
      }, 1000);
    });
  };
  for (const spec of specs) start(spec);
  return async () => {
    stopping = true;
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('close', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { defaultKubectl } from '../helm/binary';

export interface PortForward {
  url: string;
  close(): void;
}

/** The port every chart's Service listens on (charts/service values service.port). */
export const clusterServicePort = 80;

/** The container port of the health endpoints (charts/common _deployment.tpl), which no Service exposes. */
export const healthPortName = 'health';

/** What a forward reaches: the app's Service (its traffic port) or one of its pods' health port. */
export type ForwardTarget = 'service' | 'health';

function forwardResource(app: string, target: ForwardTarget, servicePort?: number): [string, string] {
  // kubectl resolves a Deployment to one of its pods, and a named port through the pod's container ports.
  return target === 'health' ? [`deployment/${app}`, healthPortName] : [`svc/${app}`, String(servicePort ?? clusterServicePort)];
}

/**
 * `kubectl port-forward svc/<app> [<local port>]:<service port> --address 127.0.0.1` (or
 * `deployment/<app> [<local port>]:health` for the health endpoints), the cluster named by
 * kubeconfig (and context) when given: the smoke step's and the rehearsal's forwards.
 */
export function portForwardArgs(options: { app: string; namespace: string; target?: ForwardTarget; localPort?: number; servicePort?: number; kubeconfig?: string; context?: string }): string[] {
  const [resource, remotePort] = forwardResource(options.app, options.target ?? 'service', options.servicePort);
  return [
    'port-forward',
    ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
    ...(options.context ? ['--context', options.context] : []),
    '--namespace',
    options.namespace,
    resource,
    `${options.localPort ?? ''}:${remotePort}`,
    '--address',
    '127.0.0.1',
  ];
}

/**
 * `kubectl port-forward svc/<app> :<port> --address 127.0.0.1` (or `deployment/<app> :health`):
 * kubectl picks a free loopback port and prints it; the smoke checks then reach the app from the
 * agent. kubectl is SHIPYARD_KUBECTL, else the one on PATH (the pipeline's Azure CLI step has it),
 * else the kubectl shipped with the pinned helm. The cluster is KUBECONFIG's, or `kubeconfig` (and
 * `context`) when given.
 */
export async function portForward(
  app: string,
  options: { namespace: string; target?: ForwardTarget; servicePort?: number; kubectl?: string; kubeconfig?: string; context?: string; timeoutMs?: number },
): Promise<PortForward> {
  const kubectl = options.kubectl ?? process.env.SHIPYARD_KUBECTL ?? (kubectlOnPath() ? 'kubectl' : await defaultKubectl());
  const args = portForwardArgs({ app, namespace: options.namespace, target: options.target, servicePort: options.servicePort, kubeconfig: options.kubeconfig, context: options.context });
  const what = `kubectl port-forward ${forwardResource(app, options.target ?? 'service', options.servicePort)[0]}`;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(kubectl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      reject(error);
      return;
    }
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new CliError(`${what} printed no port within ${(options.timeoutMs ?? 15_000) / 1000} s: ${output.trim()}`, ExitCode.environment));
    }, options.timeoutMs ?? 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${match[1]}`, close: () => child.kill() });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new CliError(`${kubectl} is not installed: smoke needs it to reach ${app} (or pass --url ${app}=<url>)`, ExitCode.environment) : error);
    });
    // 'close', not 'exit': kubectl's last words may still be in the pipe when it exits.
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new CliError(`${what} exited with ${code}: ${output.trim()}`, ExitCode.environment));
    });
  });
}

function kubectlOnPath(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, 'kubectl'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

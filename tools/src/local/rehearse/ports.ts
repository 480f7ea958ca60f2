import { CliError, ExitCode } from '../../cli/errors';
import { environments, type Environment } from '../../charts/layout';

/**
 * Loopback ports of a rehearsal, all derived from one base so a user moves them with one option:
 * base+10·env+app is the stable "Service" port of an app in an environment (what callers and the
 * smoke test use), base+100+20·env+2·app+slot the two ports its containers alternate between
 * (so the new container can become ready while the old one still serves), 100 above each of
 * those its health port (HEALTH_PORT), base+90 the telemetry endpoint.
 */
export interface PortLayout {
  base: number;
  apps: readonly string[];
}

export const defaultPortBase = 18000;
const maxApps = 10;

export function portLayout(base: number, apps: readonly string[]): PortLayout {
  if (!Number.isInteger(base) || base < 1024 || base + healthOffset + 100 + environments.length * 20 > 65_535) {
    throw new CliError(`--port-base ${base}: must be an integer from 1024 to ${65_535 - healthOffset - 100 - environments.length * 20}`, ExitCode.usage);
  }
  if (apps.length > maxApps) throw new CliError(`the rehearsal port layout holds ${maxApps} apps per environment; this workspace has ${apps.length}`, ExitCode.usage);
  return { base, apps: [...apps].sort() };
}

function appIndex(layout: PortLayout, app: string): number {
  const index = layout.apps.indexOf(app);
  if (index < 0) throw new CliError(`${app} is not one of the rehearsed apps (${layout.apps.join(', ')})`, ExitCode.usage);
  return index;
}

export function servicePort(layout: PortLayout, environment: Environment, app: string): number {
  return layout.base + environments.indexOf(environment) * 10 + appIndex(layout, app);
}

export function containerPort(layout: PortLayout, environment: Environment, app: string, slot: 0 | 1): number {
  return layout.base + 100 + environments.indexOf(environment) * 20 + appIndex(layout, app) * 2 + slot;
}

const healthOffset = 100;

/** The health port (HEALTH_PORT) of the container listening on `port`: what the kubelet would probe. */
export function containerHealthPort(port: number): number {
  return port + healthOffset;
}

export function telemetryPort(layout: PortLayout): number {
  return layout.base + 90;
}

export function serviceUrls(layout: PortLayout, environment: Environment): Record<string, string> {
  return Object.fromEntries(layout.apps.map((app) => [app, `http://127.0.0.1:${servicePort(layout, environment, app)}`]));
}

/** Every port a rehearsal of these environments listens on (checked free before it starts, and after --down). */
export function rehearsalPorts(layout: PortLayout, envs: readonly Environment[]): number[] {
  const ports = [telemetryPort(layout)];
  for (const environment of envs) {
    for (const app of layout.apps) {
      const slots = [containerPort(layout, environment, app, 0), containerPort(layout, environment, app, 1)];
      ports.push(servicePort(layout, environment, app), ...slots, ...slots.map(containerHealthPort));
    }
  }
  return ports;
}

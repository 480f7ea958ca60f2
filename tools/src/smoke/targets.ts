import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CliError, ExitCode } from '../cli/errors';
import { defaultChartsRoot, serviceValuesKey, type Environment } from '../charts/layout';

export interface Ingress {
  enabled: boolean;
  host: string;
  path: string;
  tls: boolean;
}

type Values = Record<string, unknown>;

function readValues(file: string): Values {
  return existsSync(file) ? ((parse(readFileSync(file, 'utf8')) as Values | null) ?? {}) : {};
}

function merge(base: Values, overlay: Values): Values {
  const result: Values = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = result[key];
    result[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current) ? merge(current as Values, value as Values) : value;
  }
  return result;
}

/**
 * An app chart's values for the generic service chart in an environment, in helm's order: the
 * base chart's values.yaml, then (under service:) the app chart's values.yaml,
 * environments/<env>.yaml and values-<env>.yaml.
 */
function chartServiceValues(app: string, environment: Environment, chartsRoot: string): Values {
  const base = { [serviceValuesKey]: readValues(path.join(chartsRoot, serviceValuesKey, 'values.yaml')) };
  return [path.join(chartsRoot, app, 'values.yaml'), path.join(chartsRoot, 'environments', `${environment}.yaml`), path.join(chartsRoot, app, `values-${environment}.yaml`)]
    .map(readValues)
    .reduce(merge, base)[serviceValuesKey] as Values;
}

/** The ingress settings of an app's chart in an environment. */
export function chartIngress(app: string, environment: Environment, chartsRoot = defaultChartsRoot): Ingress {
  const values = chartServiceValues(app, environment, chartsRoot);
  const ingress = (values.ingress ?? {}) as { enabled?: boolean; host?: string; path?: string; tls?: { enabled?: boolean } };
  return { enabled: Boolean(ingress.enabled), host: ingress.host ?? '', path: ingress.path ?? '/', tls: Boolean(ingress.tls?.enabled) };
}

/** The app's health port (HEALTH_PORT) when its chart gives its /healthz a port of its own; undefined when they share its Service port. */
export function chartHealthPort(app: string, environment: Environment, chartsRoot = defaultChartsRoot): number | undefined {
  const port = chartServiceValues(app, environment, chartsRoot).healthPort;
  return typeof port === 'number' ? port : undefined;
}

export interface SmokeTarget {
  app: string;
  /** Base URL, or null when it is reached through kubectl port-forward. */
  url: string | null;
  source: 'option' | 'env' | 'ingress' | 'port-forward';
}

export interface TargetOptions {
  apps: readonly string[];
  environment: Environment;
  /** --url app=URL */
  urls: Record<string, string>;
  /** --base-url: the entry app (the one with an ingress) */
  baseUrl?: string;
  portForward: boolean;
  env?: NodeJS.ProcessEnv;
  chartsRoot?: string;
}

/** SHIPYARD_SMOKE_URL_CATALOG_API for catalog-api. */
export function urlVariable(app: string): string {
  return `SHIPYARD_SMOKE_URL_${app.toUpperCase().replaceAll('-', '_')}`;
}

export function parseUrlOptions(values: readonly string[], apps: readonly string[], option = '--url'): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const value of values) {
    const match = /^([a-z0-9-]+)=(.+)$/.exec(value);
    if (!match) throw new CliError(`${option} "${value}" must look like <app>=<base url>, e.g. storefront=http://127.0.0.1:3000`, ExitCode.usage);
    if (!apps.includes(match[1])) throw new CliError(`${option} names "${match[1]}", which is not a deployable app (${apps.join(', ')})`, ExitCode.usage);
    urls[match[1]] = checkUrl(match[2], `${option} ${match[1]}`);
  }
  return urls;
}

function checkUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${what}: "${value}" is not a URL`, ExitCode.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`${what}: "${value}" must be an http(s) URL`, ExitCode.usage);
  return value.replace(/\/+$/, '');
}

/**
 * Which app is the way in (the one whose chart enables an ingress in this environment), and
 * where each app is reached: --url/--base-url, then SHIPYARD_SMOKE_URL_<APP>, then the entry
 * app's ingress host, then (in the pipeline, which has cluster credentials) kubectl port-forward
 * to the app's Service on a loopback port.
 */
export function resolveTargets(options: TargetOptions): { entry: string; targets: SmokeTarget[] } {
  const env = options.env ?? process.env;
  const ingresses = options.apps.map((app) => ({ app, ingress: chartIngress(app, options.environment, options.chartsRoot) })).filter((entry) => entry.ingress.enabled);
  if (ingresses.length !== 1) {
    throw new CliError(
      `smoke goes through the one app with an ingress; in ${options.environment} ${ingresses.length === 0 ? 'no app enables one' : `${ingresses.map((e) => e.app).join(', ')} do`}`,
      ExitCode.usage,
    );
  }
  const [{ app: entry, ingress }] = ingresses;
  const missing: string[] = [];
  const targets = options.apps.map((app): SmokeTarget => {
    const given = options.urls[app] ?? (app === entry && options.baseUrl ? checkUrl(options.baseUrl, '--base-url') : undefined);
    if (given) return { app, url: given, source: 'option' };
    const fromEnv = env[urlVariable(app)]?.trim();
    if (fromEnv) return { app, url: checkUrl(fromEnv, urlVariable(app)), source: 'env' };
    if (app === entry && ingress.host) return { app, url: `${ingress.tls ? 'https' : 'http'}://${ingress.host}${ingress.path === '/' ? '' : ingress.path.replace(/\/+$/, '')}`, source: 'ingress' };
    if (options.portForward) return { app, url: null, source: 'port-forward' };
    missing.push(app);
    return { app, url: null, source: 'port-forward' };
  });
  if (missing.length > 0) {
    throw new CliError(`no URL for ${missing.join(', ')}: pass --url <app>=<url> or set ${missing.map(urlVariable).join(', ')} (or allow kubectl port-forward)`, ExitCode.usage);
  }
  return { entry, targets };
}

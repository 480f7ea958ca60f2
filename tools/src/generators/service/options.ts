import { names } from '@nx/devkit';
import { serviceNameProblems, suggestServiceName } from './service-name';
import type { WorkspaceFacts } from './workspace-facts';

/** The options as Nx passes them (schema.json). */
export interface ServiceGeneratorSchema {
  name: string;
  description?: string;
  /** Services allowed to call the new one: `--callers storefront` or `--callers=storefront,checkout-api`. */
  callers?: string | string[];
  /** Local port of `nx run <name>:serve` (default: one above the highest port the other services use). */
  port?: number;
  /** The scope:* tag (default: the name). */
  scope?: string;
}

/** Validated options with everything derived from them. */
export interface ServiceOptions {
  name: string;
  /** PascalCase of the name, for identifiers (buildOrdersApiApp). */
  className: string;
  /** CONSTANT_CASE of the name, for environment variables (ORDERS_API_BASE_URL). */
  constantName: string;
  description: string;
  scope: string;
  port: number;
  callers: string[];
}

/** Bad input: the message lists every problem; the generator writes nothing. */
export class ServiceOptionsError extends Error {
  constructor(
    readonly serviceName: string,
    readonly problems: string[],
    suggestion?: string,
  ) {
    super(
      [`Cannot create service "${serviceName}":`, ...problems.map((p) => `  - ${p}`), ...(suggestion ? [`Try "${suggestion}".`] : []), 'Nothing was written.'].join('\n'),
    );
    this.name = 'ServiceOptionsError';
  }
}

export const firstServePort = 3000;
const minServePort = 1024;
const maxDescriptionLength = 200;

function listOf(value: string | string[] | undefined): string[] {
  const items = (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((item) => String(item).split(','));
  return [...new Set(items.map((item) => item.trim()).filter((item) => item !== ''))];
}

/** Where a name is already in use: projects, npm packages, and the folders the generator would create. */
function nameConflicts(name: string, facts: WorkspaceFacts): string[] {
  const conflicts: string[] = [];
  for (const project of [name, `chart-${name}`]) {
    const root = facts.projects.get(project);
    if (root !== undefined) conflicts.push(`is already taken: project ${project} lives in ${root}`);
  }
  if (facts.packageNames.has(`@shipyard/${name}`)) conflicts.push(`is already taken: a workspace package is named @shipyard/${name}`);
  for (const folder of [`apps/${name}`, `charts/${name}`, `libs/${name}`]) {
    if (facts.exists(folder) && !conflicts.some((c) => c.endsWith(` ${folder}`))) conflicts.push(`is already taken: ${folder} exists`);
  }
  return conflicts;
}

function callerProblems(name: string, callers: string[], facts: WorkspaceFacts): string[] {
  const problems: string[] = [];
  for (const caller of callers) {
    if (caller === name) problems.push(`--callers names the new service itself ("${caller}")`);
    else if (!facts.services.includes(caller)) {
      problems.push(`--callers: "${caller}" is not a service of this workspace (services with a chart: ${facts.services.join(', ') || 'none'})`);
    }
  }
  return problems;
}

function portProblems(port: number, facts: WorkspaceFacts): string[] {
  if (!Number.isInteger(port) || port < minServePort || port > 65535) return [`--port ${port}: expected an integer ${minServePort}-65535`];
  const taken = [...facts.servePorts].find(([, used]) => used === port);
  return taken ? [`--port ${port} is already the serve port of ${taken[0]}`] : [];
}

/** Next free local port: the services run side by side with `nx run <app>:serve`. */
export function nextServePort(facts: WorkspaceFacts): number {
  return facts.servePorts.size === 0 ? firstServePort : Math.max(...facts.servePorts.values()) + 1;
}

/** Checks the raw options against the naming rules and the workspace; throws ServiceOptionsError listing every problem. */
export function resolveServiceOptions(raw: ServiceGeneratorSchema, facts: WorkspaceFacts): ServiceOptions {
  const name = String(raw.name ?? '');
  const nameIssues = serviceNameProblems(name);
  const problems = nameIssues.length > 0 ? nameIssues : nameConflicts(name, facts);

  const description = (raw.description ?? `${name}: a shipyard service.`).trim();
  if (/[\r\n]/.test(description)) problems.push('--description must be one line');
  if (description.length > maxDescriptionLength) problems.push(`--description is ${description.length} characters long: at most ${maxDescriptionLength}`);

  const scope = raw.scope ?? name;
  if (raw.scope !== undefined && !/^[a-z][a-z0-9-]*$/.test(scope)) problems.push(`--scope "${scope}": expected lowercase letters, digits and hyphens (it becomes the tag scope:${scope})`);

  const port = raw.port ?? nextServePort(facts);
  problems.push(...portProblems(Number(port), facts));

  const callers = listOf(raw.callers);
  problems.push(...callerProblems(name, callers, facts));

  if (problems.length > 0) throw new ServiceOptionsError(name, problems, nameIssues.length > 0 ? suggestServiceName(name) : undefined);
  const derived = names(name);
  return { name, className: derived.className, constantName: derived.constantName, description, scope, port: Number(port), callers: callers.sort() };
}

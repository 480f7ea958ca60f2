import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseBaseUrl } from '../azdo/target';
import { CliError } from '../cli/errors';

/** Which part of the Azure Pipelines schema a file is checked against. */
export type SchemaTarget = 'pipeline' | 'stagesTemplate' | 'jobsTemplate' | 'stepsTemplate' | 'variablesTemplate';

export interface SchemaProblem {
  /** JSON pointer into the checked data, where the problem sits. */
  pointer: string;
  message: string;
}

export interface PipelineSchema {
  source: string;
  /** Tasks the schema names without describing their inputs: accepted, inputs unchecked. */
  tasksWithoutInputs: string[];
  check(target: SchemaTarget, data: unknown): SchemaProblem | null;
}

export class SchemaLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaLoadError';
  }
}

/**
 * Reads the schema from a file or an URL. Azure DevOps serves each organisation's schema (with
 * its installed tasks) at https://dev.azure.com/{org}/_apis/distributedtask/yamlschema; it needs
 * credentials: AZURE_DEVOPS_EXT_PAT (a personal access token) or SYSTEM_ACCESSTOKEN (in a pipeline).
 * A URL must be https (http on loopback only), and the token goes only to a URL inside the
 * organisation (`organisationUrl`, by default SYSTEM_COLLECTIONURI): any other URL is fetched
 * without credentials.
 */
export async function readSchemaText(source: string, env: NodeJS.ProcessEnv, organisationUrl = env.SYSTEM_COLLECTIONURI): Promise<string> {
  if (!/^https?:\/\//.test(source)) {
    try {
      return readFileSync(source, 'utf8');
    } catch (error) {
      throw new SchemaLoadError(`cannot read the schema file ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  try {
    parseBaseUrl(source, 'schema URL');
  } catch (error) {
    throw new SchemaLoadError(error instanceof CliError ? error.message : String(error));
  }
  const url = new URL(source);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (!insideOrganisation(`${url.origin}${url.pathname}`, organisationUrl)) {
    // No credentials for anyone else.
  } else if (env.AZURE_DEVOPS_EXT_PAT) headers.authorization = `Basic ${Buffer.from(`:${env.AZURE_DEVOPS_EXT_PAT}`).toString('base64')}`;
  else if (env.SYSTEM_ACCESSTOKEN && !env.SYSTEM_ACCESSTOKEN.startsWith('$(')) headers.authorization = `Bearer ${env.SYSTEM_ACCESSTOKEN}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new SchemaLoadError(`GET ${source} failed: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (response.status !== 200) {
    const hint = response.status === 401 || response.status === 203 || response.status === 302 ? ' (set AZURE_DEVOPS_EXT_PAT or SYSTEM_ACCESSTOKEN)' : '';
    throw new SchemaLoadError(`GET ${source} answered ${response.status}${hint}`);
  }
  return text;
}

function insideOrganisation(url: string, organisationUrl: string | undefined): boolean {
  if (!organisationUrl) return false;
  let organisation: string;
  try {
    organisation = parseBaseUrl(organisationUrl, 'organisation URL');
  } catch {
    return false;
  }
  return `${url}/`.toLowerCase().startsWith(organisation.toLowerCase());
}

export function compileSchema(text: string, source: string): PipelineSchema {
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new SchemaLoadError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const definitions = schema.definitions as Record<string, unknown> | undefined;
  if (!definitions?.pipeline) throw new SchemaLoadError(`${source} does not look like the Azure Pipelines schema (no definitions.pipeline)`);
  const id = typeof schema.$id === 'string' ? schema.$id : 'urn:shipyard:azure-pipelines-schema';
  const tasksWithoutInputs = acceptTasksWithoutInputs(definitions);
  // The schema's own custom keywords (ignoreCase, firstProperty, doNotSuggest…) are for editors: strict: false lets ajv skip them.
  // Azure's editor schema reads every scalar as text; task inputs typed boolean or integer accept
  // "true" or "3". coerceTypes does the same: a string becomes a boolean or number where the schema
  // asks for one (check() validates a fresh copy, so coercion never leaks).
  const ajv = new Ajv({ strict: false, unicodeRegExp: false, allErrors: false, verbose: true, coerceTypes: true });
  ajv.addSchema({ ...schema, $id: id });
  const validators = new Map<SchemaTarget, ValidateFunction>();
  const validator = (target: SchemaTarget): ValidateFunction => {
    let validate = validators.get(target);
    if (!validate) {
      if (!definitions[target]) throw new SchemaLoadError(`${source} has no definitions.${target}`);
      validate = ajv.compile({ $ref: `${id}#/definitions/${target}` });
      validators.set(target, validate);
    }
    return validate;
  };
  return {
    source,
    tasksWithoutInputs,
    check(target, data) {
      const validate = validator(target);
      if (validate(data)) return null;
      return mostSpecific(validate.errors ?? [], data);
    },
  };
}

/**
 * The published schema lists some current tasks by name (PublishCodeCoverageResults@2 in
 * v1.261.1) but has no alternative describing their inputs, so every use of them would fail.
 * Such tasks get an alternative that accepts any inputs; the names are reported.
 */
function acceptTasksWithoutInputs(definitions: Record<string, unknown>): string[] {
  const task = definitions.task as { properties?: { task?: { anyOf?: Array<{ enum?: unknown[] }> } }; anyOf?: Array<Record<string, unknown>> } | undefined;
  const named = (task?.properties?.task?.anyOf ?? []).flatMap((alternative) => (alternative.enum ?? []).map(String));
  const alternatives = task?.anyOf;
  if (!task || !alternatives) return [];
  const described = new Set(
    alternatives.flatMap((alternative) => {
      const pattern = ((alternative.properties as Record<string, { pattern?: string; enum?: unknown[] }> | undefined)?.task ?? {}) as { pattern?: string; enum?: unknown[] };
      return pattern.pattern ? [pattern.pattern.replace(/^\^/, '').replace(/\$$/, '')] : (pattern.enum ?? []).map(String);
    }),
  );
  const missing = [...new Set(named.filter((name) => !described.has(name)))].sort();
  if (missing.length > 0) alternatives.push({ properties: { task: { enum: missing } }, required: ['task'] });
  return missing;
}

const depth = (pointer: string) => (pointer === '' ? 0 : pointer.split('/').length - 1);

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * The schema nests anyOf alternatives (a stage is a stage or a template reference; a step is one
 * of many kinds), so one mistake yields dozens of errors. The deepest one locates the mistake;
 * among the alternatives there, a property unknown to all of them is the real culprit.
 */
export function mostSpecific(errors: ErrorObject[], data: unknown): SchemaProblem {
  const deepest = Math.max(...errors.map((e) => depth(e.instancePath)));
  const pointer = errors.find((e) => depth(e.instancePath) === deepest)?.instancePath ?? '';
  const here = errors.filter((e) => e.instancePath === pointer);

  const extra = here.filter((e) => e.keyword === 'additionalProperties');
  if (extra.length > 0) {
    const known = new Set(extra.flatMap((e) => Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {})));
    const unknown = [...new Set(extra.map((e) => String((e.params as { additionalProperty: string }).additionalProperty)))].filter((p) => !known.has(p));
    if (unknown.length > 0) {
      const suggestion = closest(unknown[0] as string, [...known]);
      return {
        pointer: `${pointer}/${(unknown[0] as string).replaceAll('~', '~0').replaceAll('/', '~1')}`,
        message: `${pointer || '/'}: unknown property "${unknown.join('", "')}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      };
    }
  }
  const value = valueAt(data, pointer);
  const allowed = [
    ...new Set(
      here.flatMap((e) => {
        if (e.keyword === 'enum') return (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        if (e.keyword === 'const') return [String((e.params as { allowedValue: unknown }).allowedValue)];
        if (e.keyword === 'pattern') {
          const literal = /^\^([\w@.-]+)\$$/.exec((e.params as { pattern: string }).pattern);
          return literal ? [literal[1] as string] : [];
        }
        return [];
      }),
    ),
  ];
  if (allowed.length > 0 && typeof value === 'string') {
    const shown = allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, …` : allowed.join(', ');
    const suggestion = closest(value, allowed);
    return { pointer, message: `${pointer}: ${JSON.stringify(value)} is not allowed here${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; expected one of: ${shown}` };
  }
  const missing = here.filter((e) => e.keyword === 'required').map((e) => (e.params as { missingProperty: string }).missingProperty);
  if (missing.length > 0 && here.every((e) => e.keyword === 'required' || e.keyword === 'anyOf' || e.keyword === 'oneOf')) {
    return { pointer, message: `${pointer || '/'}: missing property ${[...new Set(missing)].map((m) => `"${m}"`).join(' or ')}` };
  }
  const types = [...new Set(here.filter((e) => e.keyword === 'type').map((e) => String((e.params as { type: string }).type)))];
  if (types.length > 0) {
    const actual = Array.isArray(value) ? 'a sequence' : value !== null && typeof value === 'object' ? 'a mapping' : JSON.stringify(value);
    return { pointer, message: `${pointer || '/'}: expected ${types.map((t) => (t === 'string' ? 'a scalar' : t === 'array' ? 'a sequence' : t === 'object' ? 'a mapping' : t)).join(' or ')}, got ${actual}` };
  }
  const first = here[0] ?? errors[0];
  return { pointer, message: `${pointer || '/'}: ${first?.message ?? 'does not match the schema'}` };
}

/** A near spelling (edit distance ≤ 2), to turn "unknown property" into "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && distance < (best?.distance ?? Infinity) && candidate !== word) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

import { parse } from 'yaml';

/** One `## @param key description` line of a values.yaml (the Bitnami readme-generator convention). */
export interface ValueParam {
  key: string;
  description: string;
  section?: string;
}

export function parseValueParams(valuesYaml: string): ValueParam[] {
  const params: ValueParam[] = [];
  let section: string | undefined;
  for (const line of valuesYaml.split('\n')) {
    const sectionMatch = /^\s*## @section (.+)$/.exec(line);
    if (sectionMatch) section = sectionMatch[1].trim();
    const paramMatch = /^\s*## @param (\S+) (.+)$/.exec(line);
    if (paramMatch) params.push({ key: paramMatch[1], description: paramMatch[2].trim(), section });
  }
  return params;
}

function lookup(values: unknown, key: string): { found: boolean; value?: unknown } {
  let current: unknown = values;
  for (const part of key.split('.')) {
    if (!current || typeof current !== 'object' || Array.isArray(current) || !(part in current)) return { found: false };
    current = (current as Record<string, unknown>)[part];
  }
  return { found: true, value: current };
}

/** Leaf keys of the values: scalars, arrays and empty maps (a non-empty map is described by its children). */
function leafKeys(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, child]) => leafKeys(child, prefix ? `${prefix}.${key}` : key));
  }
  return prefix ? [prefix] : [];
}

/**
 * Problems between the values and their docs: a @param naming no value, or a value with no
 * @param (on itself or on a parent, as for lists and maps documented as a whole).
 */
export function valuesDocProblems(valuesYaml: string): string[] {
  const values: unknown = parse(valuesYaml);
  const params = parseValueParams(valuesYaml);
  const documented = new Set(params.map((p) => p.key));
  const problems = params.filter((p) => !lookup(values, p.key).found).map((p) => `@param ${p.key} documents a value that values.yaml does not have`);
  for (const leaf of leafKeys(values)) {
    const parts = leaf.split('.');
    const covered = parts.some((_, i) => documented.has(parts.slice(0, i + 1).join('.')));
    if (!covered) problems.push(`${leaf} has no "## @param ${leaf} …" line`);
  }
  return problems;
}

/** The documented key of the base chart that covers a leaf (the leaf itself or a parent documented as a whole). */
function coveringParam(leaf: string, documented: ReadonlySet<string>): string | undefined {
  const parts = leaf.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.')).find((key) => documented.has(key));
}

/**
 * Problems of a values file of a service chart: everything belongs under `key` (the base chart
 * it depends on; helm would silently ignore anything else), and every value set there must be
 * one the base chart documents.
 */
export function serviceValuesProblems(file: string, valuesYaml: string, baseValuesYaml: string, key: string): string[] {
  const values = (parse(valuesYaml) as Record<string, unknown> | null) ?? {};
  const documented = new Set(parseValueParams(baseValuesYaml).map((p) => p.key));
  const problems = Object.keys(values)
    .filter((top) => top !== key)
    .map((top) => `${file}: ${top} is not under "${key}:" (a service chart's values are the base chart's, under its name)`);
  for (const leaf of leafKeys(values[key] ?? {})) {
    if (!coveringParam(leaf, documented)) problems.push(`${file}: ${key}.${leaf} is not a value of the base chart (no "## @param ${leaf}" in its values.yaml)`);
  }
  return problems;
}

/** The README table of a service chart: each base-chart value it sets, with the base chart's description. */
export function renderOverridesTable(valuesYaml: string, baseValuesYaml: string, key: string): string {
  const values = ((parse(valuesYaml) as Record<string, unknown> | null) ?? {})[key] ?? {};
  const params = new Map(parseValueParams(baseValuesYaml).map((p) => [p.key, p]));
  const covered = new Set(leafKeys(values).map((leaf) => coveringParam(leaf, new Set(params.keys()))));
  const lines = ['| Name | Description | Value |', '| --- | --- | --- |'];
  for (const param of [...params.values()].filter((p) => covered.has(p.key))) {
    lines.push(`| \`${key}.${param.key}\` | ${param.description.replaceAll('|', '\\|')} | ${formatDefault(lookup(values, param.key).value)} |`);
  }
  return lines.join('\n');
}

function formatDefault(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return `\`${text.replaceAll('|', '\\|')}\``;
}

/** The README values table, generated from the @param lines and the defaults in values.yaml. */
export function renderValuesTable(valuesYaml: string): string {
  const values: unknown = parse(valuesYaml);
  const lines: string[] = [];
  let section: string | undefined;
  for (const param of parseValueParams(valuesYaml)) {
    if (param.section !== section) {
      section = param.section;
      if (lines.length > 0) lines.push('');
      if (section) lines.push(`### ${section}`, '');
      lines.push('| Name | Description | Default |', '| --- | --- | --- |');
    }
    lines.push(`| \`${param.key}\` | ${param.description.replaceAll('|', '\\|')} | ${formatDefault(lookup(values, param.key).value)} |`);
  }
  return lines.join('\n');
}

export const tableStart = '<!-- values-table:start (generated from values.yaml: npx shipyard charts readme <chart> --write) -->';
export const tableEnd = '<!-- values-table:end -->';

/** The README with its values table section replaced; throws when the markers are missing. */
export function withValuesTable(readme: string, table: string): string {
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  if (start < 0 || end < start) throw new Error(`README has no values table markers (${tableStart} … ${tableEnd})`);
  return `${readme.slice(0, start + tableStart.length)}\n${table}\n${readme.slice(end)}`;
}

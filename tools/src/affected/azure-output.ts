import type { AffectedChart, AffectedItem } from './affected-projects';

/**
 * Azure Pipelines matrix leg names may hold only letters, digits and underscores and must start
 * with a letter, so `catalog-api` becomes the leg `catalog_api`; the real name travels in the
 * leg's variables.
 */
export function legName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `x_${cleaned}`;
}

export type Matrix = Record<string, Record<string, string>>;

export function appsMatrix(apps: AffectedItem[]): Matrix {
  return uniqueLegs(apps.map((app) => [app.name, { app: app.name }]));
}

export function chartsMatrix(charts: AffectedChart[]): Matrix {
  return uniqueLegs(
    charts.map((chart): [string, Record<string, string>] => [chart.name, chart.app ? { chart: chart.name, app: chart.app } : { chart: chart.name }]),
  );
}

function uniqueLegs(entries: Array<[string, Record<string, string>]>): Matrix {
  const matrix: Matrix = {};
  for (const [name, variables] of entries) {
    const leg = legName(name);
    if (matrix[leg]) throw new Error(`"${name}" and another project share the matrix leg name "${leg}"; rename one of them`);
    matrix[leg] = variables;
  }
  return matrix;
}

/** Escapes a logging-command value the way the agent unescapes it (%, CR, LF). */
export function escapeVsoData(value: string): string {
  return value.replaceAll('%', '%AZP25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

export function setOutputVariable(name: string, value: string): string {
  return `##vso[task.setvariable variable=${name};isOutput=true]${escapeVsoData(value)}`;
}

export function warningIssue(message: string): string {
  return `##vso[task.logissue type=warning]${escapeVsoData(message)}`;
}

/** Git's empty tree: diffing from it lists every file, so `nx affected --base=<it>` means "everything". */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * The output variables later jobs read as dependencies.<job>.outputs['<step>.<name>'].
 * An empty matrix is `{}`; jobs must also test hasApps/hasCharts in their condition, because
 * Azure Pipelines runs a job whose matrix is `{}` once with empty variables instead of skipping
 * it (MicrosoftDocs/azure-devops-docs#5259).
 */
export function azureOutputLines(result: {
  apps: AffectedItem[];
  charts: AffectedChart[];
  base: string | null;
  head: string | null;
  /** No base commit to compare with: every project counts (nxBase becomes the empty tree). */
  everything: boolean;
}): string[] {
  return [
    setOutputVariable('appsMatrix', JSON.stringify(appsMatrix(result.apps))),
    setOutputVariable('hasApps', String(result.apps.length > 0)),
    setOutputVariable('apps', result.apps.map((a) => a.name).join(' ')),
    setOutputVariable('chartsMatrix', JSON.stringify(chartsMatrix(result.charts))),
    setOutputVariable('hasCharts', String(result.charts.length > 0)),
    setOutputVariable('charts', result.charts.map((c) => c.name).join(' ')),
    setOutputVariable('base', result.base ?? ''),
    setOutputVariable('head', result.head ?? ''),
    // For `nx affected -t … --base=$(nxBase) --head=$(nxHead)`: the same range, "everything" included.
    setOutputVariable('nxBase', result.base ?? (result.everything ? EMPTY_TREE : '')),
    setOutputVariable('nxHead', result.head ?? (result.base || result.everything ? 'HEAD' : '')),
  ];
}

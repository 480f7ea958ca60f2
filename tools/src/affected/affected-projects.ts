import path from 'node:path';
import { describeChange, type RuntimeDependencyChange } from './lockfile-changes';
import { CHART_TAG, dependencyPath, ownerOf, type ProjectInfo, type WorkspaceModel } from './workspace-model';

export const LOCKFILE = 'package-lock.json';

/** What the lockfile comparison found, when package-lock.json is among the changed files. */
export type LockfileVerdict =
  | { kind: 'compared'; changesByApp: Map<string, RuntimeDependencyChange[]> }
  | { kind: 'unknown'; because: string };

export type ChangeSet = { kind: 'everything'; because: string } | { kind: 'files'; files: string[] };

export interface AffectedInputs {
  model: WorkspaceModel;
  changes: ChangeSet;
  lockfile: LockfileVerdict | null;
  /** The workspace projects Nx marks affected by these files, dependents included. */
  nxAffected: (files: string[]) => Promise<Set<string>>;
}

export interface AffectedItem {
  name: string;
  reasons: string[];
}

export interface AffectedChart extends AffectedItem {
  app: string | undefined;
}

export interface FileVerdict {
  file: string;
  owner: string | undefined;
  /** Whether the file can change what is deployed. */
  counts: boolean;
  note: string;
}

export interface AffectedResult {
  apps: AffectedItem[];
  charts: AffectedChart[];
  files: FileVerdict[];
}

/**
 * Decides which deployable apps and charts a set of changed files affects, and why.
 * - Nx decides through its project graph (a lib change reaches every app importing it;
 *   workspace files reach the projects whose build inputs name them).
 * - Files of a project that are outside its `production` input (specs, lint config, README)
 *   are left out: they change what is tested, not what is deployed.
 * - package-lock.json is not given to Nx (which would mark every project); instead an app is
 *   affected only when its pruned runtime dependencies resolve differently.
 * - A chart is also affected when a chart it pulls in through `file://` (charts/common) changes.
 */
export async function decideAffected(inputs: AffectedInputs): Promise<AffectedResult> {
  const { model, changes } = inputs;
  const apps = new Reasons();
  const charts = new Reasons();
  const appNames = new Set(model.apps);
  const chartByName = new Map(model.charts.map((chart) => [chart.name, chart]));

  if (changes.kind === 'everything') {
    for (const app of model.apps) apps.add(app, changes.because);
    for (const chart of model.charts) charts.add(chart.name, changes.because);
    return { apps: apps.list(), charts: charts.list().map((c) => withApp(c, chartByName)), files: [] };
  }

  const files = changes.files.map((file) => judgeFile(model, file));
  const owned = new Map<string, string[]>();
  const unowned: string[] = [];
  for (const verdict of files) {
    if (!verdict.counts || verdict.file === LOCKFILE) continue;
    if (verdict.owner) owned.set(verdict.owner, [...(owned.get(verdict.owner) ?? []), verdict.file]);
    else unowned.push(verdict.file);
  }

  const isChartProject = (name: string | undefined) => name !== undefined && (model.projects.get(name)?.tags ?? []).includes(CHART_TAG);
  // A chart's content is its own folder, the charts it includes and shared files such as
  // charts/environments; code of other projects that chart targets name (lint/verify tooling)
  // changes how charts are checked, not what is deployed.
  const credit = (affected: Set<string>, owner: string | undefined, reasonFor: (project: string) => string) => {
    for (const project of affected) {
      if (appNames.has(project)) apps.add(project, reasonFor(project));
      if (chartByName.has(project) && (owner === undefined || isChartProject(owner))) charts.add(project, reasonFor(project));
    }
  };
  for (const [owner, ownedFiles] of owned) {
    const affected = await inputs.nxAffected(ownedFiles);
    // Projects reached without a dependency on the owner were reached through a target input
    // naming some of these files: ask per file which ones, so the reason names only those.
    const perFile = new Map<string, Set<string>>();
    for (const project of affected) {
      if (project === owner || dependencyPath(model, project, owner) || !(appNames.has(project) || chartByName.has(project))) continue;
      for (const file of ownedFiles) if (!perFile.has(file)) perFile.set(file, await inputs.nxAffected([file]));
    }
    credit(affected, owner, (project) => {
      if (project === owner) return `changed: ${listFiles(ownedFiles)}`;
      const chain = dependencyPath(model, project, owner);
      if (chain) return `depends on ${owner} (${chain.join(' → ')}), changed: ${listFiles(ownedFiles)}`;
      const named = ownedFiles.filter((file) => perFile.get(file)?.has(project));
      return `its build names ${listFiles(named.length > 0 ? named : ownedFiles)} (in ${owner}) as an input`;
    });
  }
  for (const file of unowned) {
    const affected = await inputs.nxAffected([file]);
    credit(affected, undefined, () => `workspace file ${file} is one of its inputs`);
  }

  for (const chart of model.charts) {
    for (const root of chart.chartDependencyRoots) {
      const inside = files.filter((v) => v.counts && v.file.startsWith(`${root}/`)).map((v) => v.file);
      if (inside.length > 0 && !charts.mentions(chart.name, `${root}/`)) charts.add(chart.name, `uses the chart in ${root} (file://), changed: ${listFiles(inside)}`);
    }
  }

  if (inputs.lockfile?.kind === 'unknown') {
    for (const app of model.apps) apps.add(app, `${LOCKFILE} changed and ${inputs.lockfile.because}: every app is treated as affected`);
  } else if (inputs.lockfile?.kind === 'compared') {
    for (const [app, appChanges] of inputs.lockfile.changesByApp) {
      if (appChanges.length === 0 || !appNames.has(app)) continue;
      const shown = appChanges.slice(0, 4).map(describeChange).join(', ');
      const more = appChanges.length > 4 ? ` and ${appChanges.length - 4} more` : '';
      apps.add(app, `runtime dependencies changed in ${LOCKFILE}: ${shown}${more}`);
    }
  }

  return { apps: apps.list(), charts: charts.list().map((c) => withApp(c, chartByName)), files };
}

function judgeFile(model: WorkspaceModel, file: string): FileVerdict {
  if (file === LOCKFILE) return { file, owner: undefined, counts: true, note: 'compared per app: pruned runtime dependencies' };
  const owner = ownerOf(model, file);
  if (!owner) return { file, owner: undefined, counts: true, note: 'no project: counts only where a build or chart names it as an input' };
  if (!isProductionFile(owner, file)) {
    return { file, owner: owner.name, counts: false, note: `not in ${owner.name}'s production input (tests, lint, docs): nothing to deploy` };
  }
  return { file, owner: owner.name, counts: true, note: `belongs to ${owner.name}` };
}

export function isProductionFile(project: ProjectInfo, file: string): boolean {
  const { include, exclude } = project.production;
  if (include.length === 0) return true;
  return include.some((glob) => path.matchesGlob(file, glob)) && !exclude.some((glob) => path.matchesGlob(file, glob));
}

function listFiles(files: string[]): string {
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}

function withApp(item: AffectedItem, charts: Map<string, { app: string | undefined }>): AffectedChart {
  return { ...item, app: charts.get(item.name)?.app };
}

/** Collects de-duplicated reasons per project, listed by project name. */
class Reasons {
  private readonly byName = new Map<string, string[]>();
  add(name: string, reason: string): void {
    const reasons = this.byName.get(name) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    this.byName.set(name, reasons);
  }
  /** Whether a reason already given for `name` names a path with this prefix (Nx saw the same change). */
  mentions(name: string, prefix: string): boolean {
    return (this.byName.get(name) ?? []).some((reason) => reason.includes(prefix));
  }
  list(): AffectedItem[] {
    return [...this.byName.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, reasons]) => ({ name, reasons }));
  }
}

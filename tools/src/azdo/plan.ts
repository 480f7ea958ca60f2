import type { Environment } from '../charts/layout';
import { type CheckKind, checkDifferences, type DesiredCheck, type ExistingCheck, kindOf } from './checks';

export type Action = 'create' | 'update' | 'unchanged';

export interface DesiredEnvironment {
  environment: Environment;
  name: string;
  description: string;
  checks: DesiredCheck[];
}

export interface ExistingEnvironment {
  id: number;
  name: string;
  description?: string;
}

/** What the project holds now, as far as azdo setup manages it. */
export interface CurrentState {
  environments: Map<string, ExistingEnvironment>;
  /** Checks per environment id. */
  checks: Map<number, ExistingCheck[]>;
}

export type PlanItem =
  | { kind: 'environment'; name: string; action: Action; differences: string[]; existingId?: number; description: string }
  | { kind: 'check'; name: string; environmentName: string; check: CheckKind; action: Action; differences: string[]; existingId?: number; desired: DesiredCheck }
  /** A check azdo setup does not manage, or a second one of a managed kind: reported, never changed or deleted. */
  | { kind: 'unmanaged-check'; name: string; environmentName: string; existingId: number; action: 'left alone'; differences: string[] };

export interface SetupPlan {
  items: PlanItem[];
}

const checkLabel: Record<CheckKind, string> = { approval: 'approval', 'exclusive-lock': 'exclusive lock', 'branch-control': 'branch control' };

function planChecks(desired: DesiredEnvironment, existing: ExistingCheck[]): PlanItem[] {
  const items: PlanItem[] = [];
  const used = new Set<number>();
  for (const check of desired.checks) {
    const match = existing.find((candidate) => !used.has(candidate.id) && kindOf(candidate) === check.kind);
    const name = `${desired.name}: ${checkLabel[check.kind]}`;
    if (!match) {
      items.push({ kind: 'check', name, environmentName: desired.name, check: check.kind, action: 'create', differences: [], desired: check });
      continue;
    }
    used.add(match.id);
    const differences = checkDifferences(check, match);
    items.push({ kind: 'check', name, environmentName: desired.name, check: check.kind, action: differences.length ? 'update' : 'unchanged', differences, existingId: match.id, desired: check });
  }
  for (const check of existing.filter((candidate) => !used.has(candidate.id))) {
    const kind = kindOf(check);
    const why = kind
      ? desired.checks.some((wanted) => wanted.kind === kind)
        ? `a second ${checkLabel[kind]} check`
        : `a ${checkLabel[kind]} check azure-devops.yml does not ask for`
      : `a ${check.type.name ?? check.type.id} check shipyard does not manage`;
    items.push({ kind: 'unmanaged-check', name: `${desired.name}: check ${check.id}`, environmentName: desired.name, existingId: check.id, action: 'left alone', differences: [why] });
  }
  return items;
}

/**
 * Compares what azure-devops.yml asks for with what the project holds: per environment and
 * per check one item that says create, update (with the differences) or unchanged. Environments are matched by name, checks by kind; anything else on an
 * environment is listed and left alone.
 */
export function planSetup(desired: DesiredEnvironment[], current: CurrentState): SetupPlan {
  const items: PlanItem[] = [];
  for (const environment of desired) {
    const existing = current.environments.get(environment.name.toLowerCase());
    if (!existing) {
      items.push({ kind: 'environment', name: environment.name, action: 'create', differences: [], description: environment.description });
      items.push(...planChecks(environment, []));
      continue;
    }
    const differences = (existing.description ?? '') === environment.description ? [] : ['description changed'];
    items.push({ kind: 'environment', name: environment.name, action: differences.length ? 'update' : 'unchanged', differences, existingId: existing.id, description: environment.description });
    items.push(...planChecks(environment, current.checks.get(existing.id) ?? []));
  }
  return { items };
}

export function planSummary(plan: SetupPlan): Record<Action | 'left alone', number> {
  const summary = { create: 0, update: 0, unchanged: 0, 'left alone': 0 };
  for (const item of plan.items) summary[item.action]++;
  return summary;
}

/** One line per item: "create  environment shipyard-prod", "update  check shipyard-prod: approval (approvers …)". */
export function formatPlan(plan: SetupPlan): string[] {
  return plan.items.map((item) => {
    const what = item.kind === 'unmanaged-check' ? 'check' : item.kind;
    const detail = item.differences.length ? ` (${item.differences.join('; ')})` : '';
    return `${item.action.padEnd(10)} ${what} ${item.name}${detail}`;
  });
}

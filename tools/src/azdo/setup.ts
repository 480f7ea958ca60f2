import { environments } from '../charts/layout';
import { CliError } from '../cli/errors';
import { checkBody, desiredChecks, type ExistingCheck, type ResolvedApprover } from './checks';
import type { ApproverSpec, AzdoConfig } from './config';
import { type Action, type CurrentState, type DesiredEnvironment, type PlanItem, planSetup, planSummary, type SetupPlan } from './plan';
import type { SetupApi } from './setup-api';

export interface SetupOptions {
  config: AzdoConfig;
  api: SetupApi;
  dryRun: boolean;
  log: (line: string) => void;
}

export interface SetupReport {
  plan: SetupPlan;
  summary: Record<Action | 'left alone', number>;
  dryRun: boolean;
  /** Items carried out (all changing items unless dryRun). */
  applied: number;
}

async function resolveApprovers(config: AzdoConfig, api: SetupApi, log: (line: string) => void): Promise<Map<ApproverSpec, ResolvedApprover>> {
  const resolved = new Map<ApproverSpec, ResolvedApprover>();
  const byText = new Map<string, ResolvedApprover>();
  for (const environment of environments) {
    for (const approver of config.environments[environment].approval?.approvers ?? []) {
      if (typeof approver !== 'string') {
        resolved.set(approver, { id: approver.id, displayName: approver.name ?? approver.id });
        continue;
      }
      let identity = byText.get(approver.toLowerCase());
      if (!identity) {
        identity = await api.resolveApprover(approver);
        log(`approver "${approver}" is ${identity.displayName} (${identity.id})`);
        byText.set(approver.toLowerCase(), identity);
      }
      resolved.set(approver, identity);
    }
  }
  return resolved;
}

/** What the project holds for the environments azure-devops.yml names. */
async function readCurrentState(desired: DesiredEnvironment[], api: SetupApi): Promise<CurrentState> {
  const state: CurrentState = { environments: new Map(), checks: new Map() };
  for (const environment of desired) {
    const found = await api.findEnvironment(environment.name);
    if (!found) continue;
    state.environments.set(found.name.toLowerCase(), found);
    state.checks.set(found.id, await api.listChecks(found));
  }
  return state;
}

/**
 * azdo setup: reads what exists, plans, and (unless dryRun) carries out the plan in order:
 * environments first (a new one's id is needed for its checks), then their checks.
 */
export async function runSetup(options: SetupOptions): Promise<SetupReport> {
  const { config, api, log } = options;
  const approvers = await resolveApprovers(config, api, log);
  const desired: DesiredEnvironment[] = environments.map((environment) => {
    const settings = config.environments[environment];
    const resolved = (settings.approval?.approvers ?? []).map((approver) => approvers.get(approver) as ResolvedApprover);
    return { environment, name: settings.name, description: settings.description, checks: desiredChecks(settings, resolved) };
  });
  const current = await readCurrentState(desired, api);
  const plan = planSetup(desired, current);
  const report: SetupReport = { plan, summary: planSummary(plan), dryRun: options.dryRun, applied: 0 };
  if (options.dryRun) return report;

  const ids = new Map<string, number>([...current.environments.values()].map((environment) => [environment.name.toLowerCase(), environment.id]));
  const changing = plan.items.filter((item) => item.action === 'create' || item.action === 'update');
  try {
    for (const item of changing) {
      await apply(item, api, ids, log);
      report.applied++;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const exitCode = error instanceof CliError ? error.exitCode : undefined;
    throw new CliError(`${message}\n(${report.applied} of ${changing.length} changes were made before this failure; azdo setup is idempotent: fix the cause and run it again)`, exitCode);
  }
  return report;
}

async function apply(item: PlanItem, api: SetupApi, ids: Map<string, number>, log: (line: string) => void): Promise<void> {
  if (item.kind === 'environment') {
    if (item.action === 'create') {
      const created = await api.createEnvironment(item.name, item.description);
      ids.set(item.name.toLowerCase(), created.id);
      log(`created environment ${item.name} (id ${created.id})`);
    } else {
      await api.updateEnvironment(item.existingId as number, item.name, item.description);
      log(`updated environment ${item.name}`);
    }
    return;
  }
  if (item.kind !== 'check') return;
  const environmentId = ids.get(item.environmentName.toLowerCase());
  if (environmentId === undefined) throw new CliError(`${item.name}: environment ${item.environmentName} has no id (it was neither found nor created)`);
  const environment = { id: environmentId, name: item.environmentName };
  let result: ExistingCheck;
  if (item.action === 'create') {
    result = await api.createCheck(item.environmentName, checkBody(item.desired, environment));
    log(`added ${item.name} (check ${result?.id ?? '?'})`);
  } else {
    result = await api.updateCheck(item.environmentName, item.existingId as number, checkBody(item.desired, environment, item.existingId));
    log(`updated ${item.name} (${item.differences.join('; ')})`);
  }
}

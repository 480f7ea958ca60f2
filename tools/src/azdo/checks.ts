import type { EnvironmentSettings } from './config';

/**
 * The check configurations azdo setup manages on an environment, in the shapes of the
 * Approvals and Checks REST API (_apis/pipelines/checks/configurations, 7.1-preview.1).
 * Branch control is not a check type of its own: it is a "Task Check" running the built-in
 * evaluatebranchProtection task, which is also how the web UI stores it.
 */
export const checkTypes = {
  approval: { id: '8c6f20a7-a545-4486-9777-f762fafe0d4d', name: 'Approval' },
  exclusiveLock: { id: '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563', name: 'ExclusiveLock' },
  taskCheck: { id: 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7', name: 'Task Check' },
} as const;

export const branchControlTask = { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b', name: 'evaluatebranchProtection', version: '0.0.1' } as const;

export type CheckKind = 'approval' | 'exclusive-lock' | 'branch-control';

export interface ResolvedApprover {
  id: string;
  displayName: string;
}

/** What one check should look like; `settings` is sent as is. */
export interface DesiredCheck {
  kind: CheckKind;
  type: { id: string; name: string };
  settings: Record<string, unknown>;
  /** Minutes. */
  timeout: number;
}

/** A check configuration as the API returns it (with $expand=settings). */
export interface ExistingCheck {
  id: number;
  type: { id: string; name?: string };
  settings?: Record<string, unknown> | null;
  timeout?: number;
  resource?: { type: string; id: string; name?: string };
}

export const branchControlDisplayName = 'Branch control (shipyard azdo setup)';

/** The checks an environment's settings ask for, approvers already resolved to identity ids. */
export function desiredChecks(settings: EnvironmentSettings, approvers: ResolvedApprover[]): DesiredCheck[] {
  const checks: DesiredCheck[] = [];
  if (settings.approval) {
    checks.push({
      kind: 'approval',
      type: { ...checkTypes.approval },
      settings: {
        approvers: approvers.map((approver) => ({ id: approver.id, displayName: approver.displayName })),
        executionOrder: 1,
        instructions: settings.approval.instructions,
        blockedApprovers: [],
        minRequiredApprovers: settings.approval.minRequired,
        requesterCannotBeApprover: settings.approval.requesterCannotBeApprover,
      },
      timeout: settings.approval.timeoutMinutes,
    });
  }
  if (settings.branchControl) {
    checks.push({
      kind: 'branch-control',
      type: { ...checkTypes.taskCheck },
      settings: {
        displayName: branchControlDisplayName,
        definitionRef: { ...branchControlTask },
        inputs: {
          allowedBranches: settings.branchControl.allowedBranches.join(', '),
          ensureProtectionOfBranch: String(settings.branchControl.verifyBranchProtection),
          allowUnknownStatusBranch: String(settings.branchControl.allowUnknownProtectionStatus),
        },
        retryInterval: 5,
        linkedVariableGroup: null,
      },
      timeout: settings.branchControl.timeoutMinutes,
    });
  }
  if (settings.exclusiveLock) {
    // A lock check waits at most this long for the environment; 43200 minutes is the API's maximum.
    checks.push({ kind: 'exclusive-lock', type: { ...checkTypes.exclusiveLock }, settings: {}, timeout: 43200 });
  }
  return checks;
}

const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** Which managed kind an existing check is, or null for checks azdo setup does not manage (business hours, other tasks, …). */
export function kindOf(check: ExistingCheck): CheckKind | null {
  if (same(check.type.id, checkTypes.approval.id)) return 'approval';
  if (same(check.type.id, checkTypes.exclusiveLock.id)) return 'exclusive-lock';
  const definition = (check.settings?.definitionRef ?? {}) as { id?: string };
  if (same(check.type.id, checkTypes.taskCheck.id) && same(definition.id, branchControlTask.id)) return 'branch-control';
  return null;
}

const branches = (value: unknown) =>
  String(value ?? '')
    .split(',')
    .map((branch) => branch.trim())
    .filter(Boolean)
    .sort();

const flag = (value: unknown) => String(value ?? 'false').toLowerCase();

/** The differences between what exists and what is wanted, in words; empty when nothing needs to change. */
export function checkDifferences(desired: DesiredCheck, existing: ExistingCheck): string[] {
  const differences: string[] = [];
  const settings = existing.settings ?? {};
  if (existing.timeout !== desired.timeout) differences.push(`timeout ${existing.timeout ?? 'unset'} → ${desired.timeout} min`);
  if (desired.kind === 'approval') {
    const wanted = (desired.settings.approvers as ResolvedApprover[]).map((a) => a.id.toLowerCase()).sort();
    const current = ((settings.approvers ?? []) as Array<{ id?: string }>).map((a) => (a.id ?? '').toLowerCase()).sort();
    if (wanted.join() !== current.join()) differences.push(`approvers [${current.join(', ')}] → [${wanted.join(', ')}]`);
    for (const key of ['minRequiredApprovers', 'requesterCannotBeApprover'] as const) {
      if (settings[key] !== desired.settings[key]) differences.push(`${key} ${JSON.stringify(settings[key])} → ${JSON.stringify(desired.settings[key])}`);
    }
    if ((settings.instructions ?? '') !== desired.settings.instructions) differences.push('instructions changed');
  }
  if (desired.kind === 'branch-control') {
    const wanted = desired.settings.inputs as Record<string, string>;
    const current = (settings.inputs ?? {}) as Record<string, unknown>;
    if (branches(current.allowedBranches).join() !== branches(wanted.allowedBranches).join()) {
      differences.push(`allowedBranches "${String(current.allowedBranches ?? '')}" → "${wanted.allowedBranches}"`);
    }
    for (const key of ['ensureProtectionOfBranch', 'allowUnknownStatusBranch']) {
      if (flag(current[key]) !== wanted[key]) differences.push(`${key} ${flag(current[key])} → ${wanted[key]}`);
    }
  }
  return differences;
}

/** The request body of POST/PATCH …/checks/configurations for an environment. */
export function checkBody(desired: DesiredCheck, environment: { id: number; name: string }, id?: number): Record<string, unknown> {
  return {
    ...(id === undefined ? {} : { id }),
    type: desired.type,
    settings: desired.settings,
    // The API wants the resource id as a string; a number fails with "Object reference not set".
    resource: { type: 'environment', id: String(environment.id), name: environment.name },
    timeout: desired.timeout,
  };
}

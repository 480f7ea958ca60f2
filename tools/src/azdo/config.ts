import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { environments } from '../charts/layout';
import { CliError, ExitCode } from '../cli/errors';
import { workspaceRoot } from '../workspace/root';

/** azure-devops.yml next to azure-pipelines.yml: what the pipeline needs in the Azure DevOps project. */
export const defaultConfigFile = path.join(workspaceRoot, 'azure-devops.yml');

const approver = z.union([
  z.string().min(1).describe('a user (sign-in e-mail) or a group ("[project]\\Group name"), looked up through the identities API'),
  z.strictObject({ id: z.guid('must be an identity id (a GUID)'), name: z.string().optional() }),
]);
export type ApproverSpec = z.infer<typeof approver>;

const branchRef = z.string().regex(/^(\*|refs\/(heads|tags)\/\S+)$/, 'must be a full ref such as refs/heads/main (a trailing * is allowed), or *');

const environmentSettings = z
  .strictObject({
    /** The Azure DevOps environment name the deploy job uses (pipelines/jobs/deploy.yml). */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be a name of letters, digits, ".", "_" and "-"'),
    description: z.string().default(''),
    /** One run at a time deploys to the environment; later runs wait, older waiting runs are cancelled. */
    exclusiveLock: z.boolean().default(true),
    branchControl: z
      .strictObject({
        allowedBranches: z.array(branchRef).min(1),
        /** Also require the branch to have branch protection (policies) configured. */
        verifyBranchProtection: z.boolean().default(false),
        allowUnknownProtectionStatus: z.boolean().default(false),
        timeoutMinutes: z.number().int().min(1).default(1440),
      })
      .optional(),
    approval: z
      .strictObject({
        approvers: z.array(approver).min(1),
        /** 0: every approver must approve; n: any n of them. */
        minRequired: z.number().int().min(0).default(0),
        instructions: z.string().default(''),
        requesterCannotBeApprover: z.boolean().default(true),
        timeoutMinutes: z.number().int().min(1).max(43200).default(4320),
      })
      .refine((approval) => approval.minRequired <= approval.approvers.length, { message: 'minRequired cannot exceed the number of approvers', path: ['minRequired'] })
      .optional(),
  });
export type EnvironmentSettings = z.infer<typeof environmentSettings>;

const transition = z.strictObject({
  /** The state a shipped item moves to, e.g. Done (Basic, Scrum) or Closed (Agile). */
  to: z.string().min(1),
  /** Only items in one of these states move: an item already closed, or not started, is left alone. */
  from: z.array(z.string().min(1)).min(1),
});
export type Transition = z.infer<typeof transition>;

const workItems = z.strictObject({
  comment: z.boolean().default(true),
  linkBuild: z.boolean().default(true),
  /** Per environment, optional: move shipped items to a state (usually prod only). */
  transitions: z.partialRecord(z.enum(environments), transition).default({}),
  /** More mentions than this in one deployment is a mistake (a pasted list, a wrong range): stop instead of writing to all of them. */
  maxItems: z.number().int().min(1).default(50),
});
export type WorkItemsSettings = z.infer<typeof workItems>;

export const azdoConfigSchema = z.strictObject({
  /** The organisation: https://dev.azure.com/<organization>/ */
  organization: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be the organisation name from https://dev.azure.com/<organization>'),
  project: z.string().min(1),
  environments: z.strictObject({ dev: environmentSettings, staging: environmentSettings, prod: environmentSettings }),
  workItems: workItems.default({ comment: true, linkBuild: true, transitions: {}, maxItems: 50 }),
});
export type AzdoConfig = z.infer<typeof azdoConfigSchema>;

export function parseAzdoConfig(text: string, source: string): AzdoConfig {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new CliError(`${source} is not valid YAML: ${(error as Error).message}`, ExitCode.usage);
  }
  const parsed = azdoConfigSchema.safeParse(data);
  if (!parsed.success) {
    throw new CliError(`${source} is not a valid Azure DevOps configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`, ExitCode.usage);
  }
  const names = Object.values(parsed.data.environments).map((settings) => settings.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new CliError(`${source}: environment name ${duplicate} is used twice`, ExitCode.usage);
  return parsed.data;
}

export function loadAzdoConfig(file = defaultConfigFile): AzdoConfig {
  if (!existsSync(file)) throw new CliError(`${file} does not exist (the Azure DevOps configuration; see tools/src/azdo/README.md)`, ExitCode.usage);
  return parseAzdoConfig(readFileSync(file, 'utf8'), path.relative(process.cwd(), file) || file);
}

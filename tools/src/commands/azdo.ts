import { Command } from 'commander';
import { z } from 'zod';
import { defaultConfigFile, loadAzdoConfig } from '../azdo/config';
import { requireAzdoCredential } from '../azdo/credentials';
import { formatPlan } from '../azdo/plan';
import { runSetup } from '../azdo/setup';
import { restSetupApi } from '../azdo/setup-api';
import { resolveTarget } from '../azdo/target';

const log = (line: string) => process.stderr.write(`[azdo] ${line}\n`);

const setupOptions = z.object({
  config: z.string(),
  collectionUrl: z.string().optional(),
  project: z.string().optional(),
  identitiesUrl: z.string().optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
});

function setupCommand(): Command {
  return new Command('setup')
    .description(
      'Creates or updates what the pipeline needs in the Azure DevOps project, from azure-devops.yml: the environments ' +
        'shipyard-dev/-staging/-prod, an exclusive-lock check on each, branch control (only the listed branches may deploy) ' +
        'and the approval check with its approvers. Idempotent: unchanged items are left as they are; checks it does not ' +
        'manage are listed and never touched. Token: AZURE_DEVOPS_EXT_PAT (or SYSTEM_ACCESSTOKEN in a pipeline).',
    )
    .option('--config <file>', 'the configuration file', defaultConfigFile)
    .option('--collection-url <url>', 'organisation URL (default: SYSTEM_COLLECTIONURI, else https://dev.azure.com/<organization>/ from the config)')
    .option('--project <name>', 'project (default: SYSTEM_TEAMPROJECT, else project from the config)')
    .option('--identities-url <url>', 'identities service (default: https://vssps.dev.azure.com/<org>/; env SHIPYARD_AZDO_IDENTITIES_URL)')
    .option('--dry-run', 'print the plan (create / update / unchanged per item) and change nothing')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', '\nExamples:\n  AZURE_DEVOPS_EXT_PAT=… npx shipyard azdo setup --dry-run\n  AZURE_DEVOPS_EXT_PAT=… npx shipyard azdo setup\n')
    .action(async (raw) => {
      const options = setupOptions.parse(raw);
      const config = loadAzdoConfig(options.config);
      const target = resolveTarget(options, config);
      const credential = requireAzdoCredential(process.env, 'azdo setup');
      log(`${options.dryRun ? 'planning' : 'setting up'} ${target.collectionUrl}${target.project} with ${credential.source}`);
      const report = await runSetup({ config, api: restSetupApi(target, credential, { attempts: 4, maxWaitMs: 60_000, log }), dryRun: Boolean(options.dryRun), log });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      for (const line of formatPlan(report.plan)) process.stdout.write(`${line}\n`);
      const { create, update, unchanged } = report.summary;
      const tail = report.dryRun ? ' (dry run: nothing changed)' : `; ${report.applied} change(s) made`;
      process.stdout.write(`${create} to create, ${update} to update, ${unchanged} unchanged, ${report.summary['left alone']} left alone${tail}\n`);
    });
}

export function azdoCommand(): Command {
  return new Command('azdo').description('The Azure DevOps project around the pipeline, as code (azure-devops.yml).').addCommand(setupCommand());
}

import { Command } from 'commander';
import { z } from 'zod';
import { defaultConfigFile, loadAzdoConfig } from '../azdo/config';
import { readAzdoCredential, requireAzdoCredential } from '../azdo/credentials';
import { readPipelineRun } from '../azdo/pipeline-run';
import { resolveTarget } from '../azdo/target';
import { environments, parseEnvironment } from '../charts/layout';
import { CliError, ExitCode } from '../cli/errors';
import { openReleaseStore } from '../release/open-registries';
import { registryOptionFields } from './options/registry-option-fields';
import { withRegistryOptions } from './options/registry-options';
import { workspaceRoot } from '../workspace/root';
import { runWorkItems } from '../workitems/run';

const log = (line: string) => process.stderr.write(`[workitems] ${line}\n`);

const optionsSchema = z.object({
  env: z.string(),
  release: z.string().regex(/^[0-9a-f]{40}$/, '--release must be a full 40-character git sha'),
  config: z.string(),
  repo: z.string(),
  collectionUrl: z.string().optional(),
  project: z.string().optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
  ...registryOptionFields,
});

export function workitemsCommand(): Command {
  return withRegistryOptions(
    new Command('workitems')
      .description(
        'Updates the Azure Boards work items a deployment ships: AB#<id> in the commit messages (merges and pull request titles included) between ' +
          'the release env-<env>-previous names and this one, reverted changes left out. Each item gets the run linked (ArtifactLink), optionally a new ' +
          'state (workItems.transitions in azure-devops.yml) and a comment naming environment, services, release and run. Re-running the same ' +
          'deployment changes nothing. Token: SYSTEM_ACCESSTOKEN in a pipeline, AZURE_DEVOPS_EXT_PAT on a workstation.',
      )
      .requiredOption('--env <env>', `environment (${environments.join('|')})`)
      .requiredOption('--release <sha>', 'the release just deployed (full git sha; must be what env-<env> names)')
      .option('--config <file>', 'the Azure DevOps configuration', defaultConfigFile)
      .option('--repo <dir>', 'git checkout to read the commits from (needs the history back to the previous release)', workspaceRoot)
      .option('--collection-url <url>', 'organisation URL (default: SYSTEM_COLLECTIONURI, else from the config)')
      .option('--project <name>', 'project (default: SYSTEM_TEAMPROJECT, else from the config)')
      .option('--dry-run', 'say what would be done; write nothing (without a token: only list what git finds)')
      .option('--json', 'print the report as JSON'),
  )
    .addHelpText('after', '\nIn the pipeline (after shipyard smoke):\n  npx shipyard workitems --env prod --release "$(Build.SourceVersion)"   # env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)\n')
    .action(async (raw) => {
      const options = optionsSchema.parse(raw);
      const environment = parseEnvironment(options.env);
      const config = loadAzdoConfig(options.config);
      const credential = options.dryRun ? readAzdoCredential(process.env) : requireAzdoCredential(process.env, 'workitems');
      const target = resolveTarget(options, config);
      const report = await runWorkItems({
        environment,
        release: options.release,
        config,
        target,
        credential,
        store: openReleaseStore(options, log),
        repo: options.repo,
        run: readPipelineRun(),
        dryRun: Boolean(options.dryRun),
        policy: { attempts: 4, maxWaitMs: 60_000, log },
        log,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        for (const item of report.items) process.stdout.write(`AB#${item.id} (${item.status}): ${item.problem ?? (item.actions.join('; ') || 'nothing to do')}\n`);
        process.stdout.write(`${report.items.length} work item(s) in ${environment}${report.dryRun ? ' (dry run: nothing written)' : ''}\n`);
      }
      const missing = report.items.filter((item) => item.problemKind === 'missing').length;
      if (missing && process.env.TF_BUILD) process.stdout.write(`##vso[task.logissue type=warning]${missing} mentioned work item(s) could not be read; see the log\n`);
      if (report.failed > 0) throw new CliError(`${report.failed} work item(s) could not be updated (see above); the others were`, ExitCode.failed);
    });
}

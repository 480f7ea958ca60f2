import { Command } from 'commander';
import { z } from 'zod';
import { annotateDeployment } from '../annotations/annotate';
import { missingArmToken, readArmTarget } from '../annotations/app-insights';
import { readDeployment } from '../azdo/deployment';
import { readPipelineRun } from '../azdo/pipeline-run';
import { environments, parseEnvironment } from '../charts/layout';
import { CliError, ExitCode } from '../cli/errors';
import { openReleaseStore } from '../release/open-registries';
import { registryOptionFields } from './options/registry-option-fields';
import { withRegistryOptions } from './options/registry-options';

const log = (line: string) => process.stderr.write(`[annotate] ${line}\n`);

const optionsSchema = z.object({
  env: z.string(),
  release: z.string().regex(/^[0-9a-f]{40}$/, '--release must be a full 40-character git sha'),
  appInsights: z.string().min(1),
  subscription: z.string().optional(),
  armUrl: z.string().optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
  ...registryOptionFields,
});

export function annotateCommand(): Command {
  return withRegistryOptions(
    new Command('annotate')
      .description(
        'Writes an Application Insights release annotation (Category Deployment, shown in Performance, Failures, Usage and workbooks) for the deployment ' +
          'the registry pointers env-<env> / env-<env>-previous describe: the services and which of them changed, the git sha, the release digest and the ' +
          'pipeline run. One annotation per environment and release: a re-run finds it and adds nothing. Token: SHIPYARD_ARM_TOKEN (an ARM access token).',
      )
      .requiredOption('--env <env>', `environment (${environments.join('|')})`)
      .requiredOption('--release <sha>', 'the release just deployed (full git sha; must be what env-<env> names)')
      .requiredOption('--app-insights <name|resource id>', 'the Application Insights resource: its name (looked up in --subscription) or its full resource id')
      .option('--subscription <id>', 'subscription to look the name up in (env AZURE_SUBSCRIPTION_ID)', process.env.AZURE_SUBSCRIPTION_ID)
      .option('--arm-url <url>', 'Azure Resource Manager endpoint (env SHIPYARD_ARM_URL; default https://management.azure.com/)')
      .option('--dry-run', 'print the annotation and whether it exists; write nothing (works without a token too)')
      .option('--json', 'print the annotation and the outcome as JSON'),
  )
    .addHelpText(
      'after',
      '\nIn the pipeline (inside the AzureCLI@2 step of the service connection):\n' +
        '  SHIPYARD_ARM_TOKEN="$(az account get-access-token --resource https://management.azure.com/ --query accessToken -o tsv)" \\\n' +
        '  AZURE_SUBSCRIPTION_ID="$(az account show --query id -o tsv)" \\\n' +
        '  npx shipyard annotate --env prod --release "$(Build.SourceVersion)" --app-insights "$(appInsightsName)"\n',
    )
    .action(async (raw) => {
      const options = optionsSchema.parse(raw);
      const environment = parseEnvironment(options.env);
      const arm = readArmTarget(process.env, options.armUrl, { attempts: 4, maxWaitMs: 60_000, log });
      if (!arm && !options.dryRun) throw new CliError(missingArmToken, ExitCode.environment);
      const store = openReleaseStore(options, log);
      const deployment = await readDeployment(store, environment, options.release);
      const report = await annotateDeployment({ deployment, run: readPipelineRun(), appInsights: options.appInsights, subscription: options.subscription, arm, dryRun: Boolean(options.dryRun), log });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...report, annotation: { ...report.annotation, Properties: JSON.parse(report.annotation.Properties) } }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${report.outcome}: ${report.annotation.AnnotationName} (${report.annotation.Id}) on ${report.componentId}\n`);
      for (const [key, value] of Object.entries(JSON.parse(report.annotation.Properties) as Record<string, string>)) process.stdout.write(`  ${key}: ${value}\n`);
    });
}

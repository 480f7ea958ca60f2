import { Command } from 'commander';
import { CliError, ExitCode } from '../cli/errors';
import { environments, parseEnvironment } from '../charts/layout';
import { defaultNamespace } from '../charts/render';
import { type DeployReport, deployRelease, rollbackEnvironment } from '../deploy/converge';
import { convergeSettings, deployOptionsSchema } from '../deploy/settings';
import { withRegistryOptions } from './options/registry-options';
import { parseReleaseRef } from '../release/release-ref';

const log = (line: string) => process.stderr.write(`[deploy] ${line}\n`);

export function printReport(report: DeployReport, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [
    `${report.dryRun ? 'plan' : 'converged'}: ${report.environment} (namespace ${report.namespace}) → release ${report.release.gitSha} (${report.release.digest})`,
    `before: ${report.before ? report.before.gitSha : 'nothing deployed by shipyard'}`,
  ];
  for (const app of report.apps) {
    lines.push(`${app.app}: ${app.recover ? `recover (${app.recover.kind}) + ` : ''}${app.action}  ${app.image}`);
    for (const reason of app.reasons) lines.push(`    - ${reason}`);
    for (const command of app.commands) lines.push(`    ${report.dryRun ? '$' : 'ran:'} ${command}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function deployCommand(): Command {
  return withRegistryOptions(
    new Command('deploy')
      .description(
        'Converge one environment to a release: pull and verify the release manifest, read each app\'s helm state, then per app skip (already there), ' +
          'upgrade (helm upgrade --install oci://<registry>/<chart repository>@<chart digest> --rollback-on-failure --wait with the environment values and the image digest), or recover a release stuck in a pending state first. ' +
          'Afterwards the registry tag env-<env> names the release and env-<env>-previous the one before. ' +
          '--rollback converges back to env-<env>-previous.',
      )
      .requiredOption('--env <env>', `environment (${environments.join('|')})`)
      .option('--release <ref>', 'release to deploy: full git sha, env-<env> pointer (promote what another environment runs) or sha256:<digest>')
      .option('--rollback', 'deploy the release recorded in env-<env>-previous (after a failed smoke test) instead of --release')
      .option('--dry-run', 'print the plan and the exact helm commands (and render the charts), change nothing')
      .option('--assume-not-installed', 'with --dry-run: plan as if nothing were installed (no cluster needed)')
      .option('--timeout <duration>', 'helm --timeout per command', '10m')
      .option('--namespace <name>', `Kubernetes namespace of the environment (env SHIPYARD_NAMESPACE; default ${defaultNamespace})`, process.env.SHIPYARD_NAMESPACE || defaultNamespace)
      .option('--json', 'print the report as JSON'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  npx shipyard deploy --env dev --release $(git rev-parse HEAD) --dry-run\n  npx shipyard deploy --env staging --release env-dev\n  npx shipyard deploy --env dev --rollback\n',
    )
    .action(async (raw) => {
      const options = deployOptionsSchema.parse(raw);
      parseEnvironment(options.env);
      if (Boolean(options.release) === Boolean(options.rollback)) {
        throw new CliError('give either --release <ref> or --rollback (exactly one)', ExitCode.usage);
      }
      const ref = options.release ? parseReleaseRef(options.release) : null;
      const settings = await convergeSettings(options, log);
      const report = ref ? await deployRelease(ref, settings) : await rollbackEnvironment(settings);
      printReport(report, options.json);
    });
}

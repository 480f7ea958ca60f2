import { Command } from 'commander';
import { CliError, ExitCode } from '../cli/errors';
import { environments, parseEnvironment } from '../charts/layout';
import { defaultNamespace } from '../charts/render';
import { rollbackEnvironment } from '../deploy/converge';
import { loadDeployableApps } from '../release/deployable-apps';
import { withRegistryOptions } from './options/registry-options';
import { smokeEnvironment } from '../smoke/smoke-step';
import { parseUrlOptions } from '../smoke/targets';
import { convergeSettings } from '../deploy/settings';
import { smokeOptionsSchema } from './options/smoke-options';

const log = (line: string) => process.stderr.write(`[smoke] ${line}\n`);
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function smokeCommand(): Command {
  return withRegistryOptions(
    new Command('smoke')
      .description(
        'HTTP checks after a deploy: every app answers /healthz/ready on its health port (which no Service or ingress exposes: kubectl port-forward deployment/<app> :health, or --health-url), then through the storefront (the app with the ingress) the page loads with its config block, ' +
          '/api/catalog/products lists products and a quote for the first product adds up. Bounded retries; exit 1 when a check fails. ' +
          'With --rollback-on-failure a failure converges the environment back to env-<env>-previous (shipyard deploy --rollback) and still exits 1.',
      )
      .requiredOption('--env <env>', `environment (${environments.join('|')})`)
      .option('--base-url <url>', 'URL of the storefront (default: https://<ingress host> from its values-<env>.yaml)')
      .option('--url <app=url>', 'base URL of an app (repeatable); also SHIPYARD_SMOKE_URL_<APP> (e.g. SHIPYARD_SMOKE_URL_CATALOG_API)', collect)
      .option('--health-url <app=url>', "base URL of an app's health endpoints (repeatable; default: a port-forward to one of its pods' health port, or without port-forward the app's --url, as for services run without HEALTH_PORT)", collect)
      .option('--no-port-forward', 'never reach apps through kubectl port-forward (apps without a URL are then an error)')
      .option('--namespace <name>', `namespace for port-forward and rollback (env SHIPYARD_NAMESPACE; default ${defaultNamespace})`, process.env.SHIPYARD_NAMESPACE || defaultNamespace)
      .option('--attempts <n>', 'attempts per check', '10')
      .option('--interval <seconds>', 'wait between attempts', '3')
      .option('--request-timeout <seconds>', 'longest one request may take', '5')
      .option('--rollback-on-failure', 'when a check fails, roll the environment back to its previous release (then exit 1)')
      .option('--timeout <duration>', 'helm --timeout for the rollback', '10m')
      .option('--json', 'print the results as JSON'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  npx shipyard smoke --env dev --rollback-on-failure\n' +
        '  npx shipyard smoke --env dev --no-port-forward --url storefront=http://127.0.0.1:3000 --url catalog-api=http://127.0.0.1:3001 --url checkout-api=http://127.0.0.1:3002\n',
    )
    .action(async (raw) => {
      const options = smokeOptionsSchema.parse(raw);
      const environment = parseEnvironment(options.env);
      const apps = (await loadDeployableApps()).map((app) => app.name);
      const urls = parseUrlOptions(options.url, apps);
      const healthUrls = parseUrlOptions(options.healthUrl, apps, '--health-url');
      const rollback = options.rollbackOnFailure ? async () => rollbackEnvironment(await convergeSettings({ ...options, dryRun: false }, log)) : undefined;
      const outcome = await smokeEnvironment({
        environment,
        apps,
        urls,
        healthUrls,
        baseUrl: options.baseUrl,
        portForward: options.portForward,
        namespace: options.namespace,
        policy: { attempts: options.attempts, intervalMs: options.interval * 1000 },
        http: { requestTimeoutMs: options.requestTimeout * 1000 },
        rollback,
        log,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
      const failed = outcome.results.filter((result) => !result.ok);
      if (outcome.ok) {
        log(`${environment}: all ${outcome.results.length} checks passed`);
        return;
      }
      const summary = `${failed.length} of ${outcome.results.length} smoke checks failed in ${environment} (${failed.map((result) => result.name).join('; ')})`;
      if (outcome.rollbackError) throw new CliError(`${summary}; the rollback failed too:\n${outcome.rollbackError}`, ExitCode.failed);
      if (outcome.rolledBack) throw new CliError(`${summary}; rolled back from ${outcome.rolledBack.from?.slice(0, 12) ?? '?'} to ${outcome.rolledBack.to.slice(0, 12)}`, ExitCode.failed);
      throw new CliError(summary, ExitCode.failed);
    });
}

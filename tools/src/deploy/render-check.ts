import { CliError, ExitCode } from '../cli/errors';
import type { Environment } from '../charts/layout';
import { parseManifests } from '../charts/manifests';
import { pinnedHelmRunner, type HelmRunner } from './helm-runner';
import type { DesiredApp } from './plan';

/**
 * Renders each app's chart from the registry by digest with the environment's values and the
 * release's image (helm template, the same chart reference and value arguments the upgrade
 * gets). A chart that would fail at upgrade, or cannot be pulled, fails here, in the dry run.
 */
export function renderCheck(environment: Environment, namespace: string, log: (line: string) => void, helm: HelmRunner = pinnedHelmRunner({ log })) {
  return async (apps: DesiredApp[]): Promise<void> => {
    for (const app of apps) {
      const result = await helm.run(['template', app.app, app.chartRef, ...app.pullArgs, '--namespace', namespace, ...app.valueArgs]);
      if (result.code !== 0) throw new CliError(`helm template ${app.app} (${app.chartRef}) failed:\n${(result.stderr || result.stdout).trim()}`, ExitCode.failed);
      const objects = parseManifests(result.stdout);
      const images = [...new Set(result.stdout.match(/image: "?[^"\s]+"?/g) ?? [])].map((line) => line.replace(/^image: "?|"$/g, ''));
      log(`${app.app}: rendered ${objects.length} objects for ${environment}; image ${images.join(', ')}`);
    }
  };
}

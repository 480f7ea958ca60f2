import type { Environment } from '../charts/layout';
import { readChart } from '../charts/layout';
import { renderChart } from '../charts/render';
import { stageChart } from '../charts/stage';
import path from 'node:path';
import { workspaceRoot } from '../workspace/root';
import type { DesiredApp } from './plan';

/**
 * Renders each app's chart with the environment's values and the release's image (helm template,
 * the same value arguments the upgrade gets), in a staged copy so the checkout is untouched.
 * A chart that would fail at upgrade fails here, in the dry run.
 */
export function renderCheck(environment: Environment, namespace: string, log: (line: string) => void, root = workspaceRoot) {
  return async (apps: DesiredApp[]): Promise<void> => {
    for (const app of apps) {
      const chart = readChart(path.resolve(root, app.chartDir));
      const staged = await stageChart(chart);
      try {
        const rendered = await renderChart(chart, staged, { environment, image: app.image, namespace });
        const images = [...new Set(rendered.text.match(/image: "?[^"\s]+"?/g) ?? [])].map((line) => line.replace(/^image: "?|"$/g, ''));
        log(`${app.app}: rendered ${rendered.objects.length} objects for ${environment}; image ${images.join(', ')}`);
      } finally {
        staged.dispose();
      }
    }
  };
}

import { type Deployment, servicesOf } from '../azdo/deployment';
import type { PipelineRun } from '../azdo/pipeline-run';
import type { ShippedItem } from './shipped-items';

/**
 * What makes a comment this deployment's: plain text, so it survives the HTML sanitising Azure
 * Boards applies to comments, and one per environment and release, so a re-run of the same
 * deployment finds its comment instead of adding another.
 */
export function deploymentMarker(environment: string, releaseSha: string): string {
  return `shipyard:release=${releaseSha}:env=${environment}`;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const short = (sha: string) => sha.slice(0, 12);

/** The comment (HTML, as the comments API stores it) for one item of one deployment. */
export function deploymentComment(item: ShippedItem, deployment: Deployment, run: PipelineRun | null): string {
  const environment = escape(deployment.environment);
  const release = `<code>${short(deployment.current.gitSha)}</code>`;
  const changed = servicesOf(deployment).filter((service) => service.changed).map((service) => service.name);
  const services = changed.length ? `services changed: ${changed.map(escape).join(', ')}` : 'no service image changed';
  const lead =
    item.status === 'shipped'
      ? `Deployed to <b>${environment}</b> with release ${release} (${services}).`
      : `A change for this item was <b>reverted</b> in <b>${environment}</b> with release ${release} (${services}).`;
  const commits = item.commits.map((commit) => `<li><code>${short(commit.sha)}</code> ${escape(commit.subject)}</li>`).join('');
  const runLine = run?.url ? `<p>Pipeline run: <a href="${escape(run.url)}">${escape(run.buildNumber ?? String(run.buildId))}</a></p>` : '';
  return `<p>${lead}</p><ul>${commits}</ul>${runLine}<p><small>${deploymentMarker(deployment.environment, deployment.current.gitSha)}</small></p>`;
}

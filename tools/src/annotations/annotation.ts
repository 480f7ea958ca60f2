import { createHash } from 'node:crypto';
import { type Deployment, servicesOf } from '../azdo/deployment';
import type { PipelineRun } from '../azdo/pipeline-run';

/** The body of PUT …/components/{name}/Annotations (api-version 2015-05-01). */
export interface ReleaseAnnotation {
  Id: string;
  AnnotationName: string;
  /** Application Insights shows only this category in Performance, Failures and Usage. */
  Category: 'Deployment';
  EventTime: string;
  /** A JSON object serialised to a string: the portal lists its keys under "Release properties". */
  Properties: string;
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * A name-based UUID (RFC 9562 version 5 layout, SHA-1 over a fixed namespace and the name):
 * the same environment and release always give the same annotation id, so a re-run finds the
 * annotation it made instead of adding a second marker at the same spot.
 */
export function annotationId(componentId: string, deployment: Pick<Deployment, 'environment' | 'current'>): string {
  const namespace = Buffer.from('6f1d3c2a9b8e4d7c8a5b3e2f1d0c9b8a', 'hex');
  const name = `shipyard:${componentId.toLowerCase()}:${deployment.environment}:${deployment.current.gitSha}`;
  const bytes = createHash('sha1').update(namespace).update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The release annotation of one deployment: which services (and which of them changed), which
 * git sha and which release manifest, and the pipeline run that deployed it, so a change in a
 * performance or failure chart can be read against the deployment that caused it.
 */
export function releaseAnnotation(componentId: string, deployment: Deployment, run: PipelineRun | null, eventTime: Date): ReleaseAnnotation {
  const services = servicesOf(deployment);
  const changed = services.filter((service) => service.changed).map((service) => service.name);
  const name = `shipyard ${deployment.environment} ${short(deployment.current.gitSha)}`;
  const description = deployment.previous
    ? changed.length
      ? `${changed.join(', ')} changed since ${short(deployment.previous.gitSha)}`
      : `no service changed since ${short(deployment.previous.gitSha)}`
    : `first deployment to ${deployment.environment}`;
  const properties: Record<string, string> = {
    ReleaseName: name,
    ReleaseDescription: description,
    Environment: deployment.environment,
    GitSha: deployment.current.gitSha,
    ReleaseDigest: deployment.current.digest,
    PreviousGitSha: deployment.previous?.gitSha ?? '',
    Services: services.map((service) => `${service.name}@${short(service.gitSha)}`).join(', '),
    ChangedServices: changed.join(', '),
  };
  if (run) {
    Object.assign(properties, {
      BuildId: String(run.buildId),
      ...(run.buildNumber ? { BuildNumber: run.buildNumber } : {}),
      ...(run.definitionName ? { ReleaseDefinitionName: run.definitionName } : {}),
      ...(run.requestedFor ? { TriggerBy: run.requestedFor } : {}),
      ...(run.sourceBranch ? { SourceBranch: run.sourceBranch } : {}),
      ...(run.repository ? { BuildRepositoryName: run.repository } : {}),
      ...(run.url ? { ReleaseWebUrl: run.url } : {}),
    });
  }
  return {
    Id: annotationId(componentId, deployment),
    AnnotationName: name,
    Category: 'Deployment',
    EventTime: eventTime.toISOString(),
    Properties: JSON.stringify(properties),
  };
}

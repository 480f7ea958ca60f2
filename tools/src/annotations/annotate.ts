import type { Deployment } from '../azdo/deployment';
import type { PipelineRun } from '../azdo/pipeline-run';
import { type ReleaseAnnotation, releaseAnnotation } from './annotation';
import { type ArmTarget, findAnnotation, putAnnotation, resolveComponentId } from './app-insights';

export interface AnnotateOptions {
  deployment: Deployment;
  run: PipelineRun | null;
  /** Resource id or name of the Application Insights component. */
  appInsights: string;
  subscription?: string;
  /** null: no token; allowed with dryRun only (prints the body without asking Azure). */
  arm: ArmTarget | null;
  dryRun: boolean;
  now?: () => Date;
  log: (line: string) => void;
}

export interface AnnotateReport {
  componentId: string;
  annotation: ReleaseAnnotation;
  outcome: 'created' | 'exists' | 'would create' | 'would create (not checked: no token)';
}

/** annotate: one Deployment annotation per environment and release; a re-run finds it and adds nothing. */
export async function annotateDeployment(options: AnnotateOptions): Promise<AnnotateReport> {
  const now = options.now ?? (() => new Date());
  if (!options.arm) {
    const componentId = options.appInsights.startsWith('/') ? options.appInsights : `(${options.appInsights} in subscription ${options.subscription ?? '?'})`;
    return { componentId, annotation: releaseAnnotation(componentId, options.deployment, options.run, now()), outcome: 'would create (not checked: no token)' };
  }
  const componentId = await resolveComponentId(options.arm, options.appInsights, options.subscription);
  const annotation = releaseAnnotation(componentId, options.deployment, options.run, now());
  const existing = await findAnnotation(options.arm, componentId, annotation.Id);
  if (existing) {
    options.log(`annotation ${annotation.Id} (${existing.AnnotationName}, ${existing.EventTime}) exists already; nothing to add`);
    return { componentId, annotation: existing, outcome: 'exists' };
  }
  if (options.dryRun) return { componentId, annotation, outcome: 'would create' };
  const outcome = await putAnnotation(options.arm, componentId, annotation);
  options.log(outcome === 'created' ? `annotated ${componentId.split('/').pop()}: ${annotation.AnnotationName}` : `annotation ${annotation.Id} was written meanwhile; nothing to add`);
  return { componentId, annotation, outcome };
}

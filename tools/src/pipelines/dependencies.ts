import { diagnostic, get, scalarText, type Diagnostic, type PNode } from './yaml-tree';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Named {
  name: string | undefined;
  /** An item whose name cannot be known before the run (unresolved template or expression). */
  unknown: boolean;
  node: PNode;
}

function dependsOnList(node: PNode | undefined): Array<{ name: string; node: PNode }> | undefined {
  if (!node) return undefined;
  if (node.kind === 'scalar') return node.value === null || node.value === '' ? [] : [{ name: String(node.value), node }];
  if (node.kind === 'seq') return node.items.flatMap((item) => (item.kind === 'scalar' && item.value !== null ? [{ name: String(item.value), node: item }] : []));
  return [];
}

function named(items: PNode[], keys: string[]): Named[] {
  return items.map((node) => {
    const key = keys.find((k) => get(node, k) !== undefined);
    const name = key ? scalarText(get(node, key)) : undefined;
    const unknown = !key || name === undefined || name.includes('${{') || get(node, 'template') !== undefined;
    return { name: unknown ? undefined : name, unknown, node };
  });
}

/** Every string under a node, with the node it sits in (for output-variable references). */
function strings(node: PNode, visit: (text: string, at: PNode) => void): void {
  if (node.kind === 'scalar') {
    if (typeof node.value === 'string') visit(node.value, node);
  } else if (node.kind === 'seq') node.items.forEach((item) => strings(item, visit));
  else node.entries.forEach((e) => strings(e.value, visit));
}

/**
 * Checks names and dependencies of the expanded pipeline: stage and job names are valid and
 * unique, every `dependsOn` names a stage (or a job of the same stage), and every
 * `dependencies.<job>.outputs[…]` / `stageDependencies.<stage>.<job>.outputs[…]` a job reads
 * names something it depends on — otherwise Azure Pipelines hands it an empty value at run time.
 */
export function checkDependencies(pipeline: PNode): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const stagesNode = get(pipeline, 'stages');
  if (stagesNode?.kind === 'seq') {
    const stages = named(stagesNode.items, ['stage']);
    checkNames(stages, 'stage', diagnostics);
    const known = new Map(stages.filter((s) => s.name).map((s) => [s.name as string, s]));
    const anyUnknown = stages.some((s) => s.unknown);
    stages.forEach((stage, index) => {
      const explicit = dependsOnList(get(stage.node, 'dependsOn'));
      for (const dependency of explicit ?? []) {
        if (dependency.name.includes('${{') || known.has(dependency.name) || anyUnknown) continue;
        diagnostics.push(
          diagnostic('error', dependency.node.loc, 'depends-on', `stage "${stage.name ?? '?'}" depends on "${dependency.name}", which is not a stage of this pipeline (stages: ${[...known.keys()].join(', ')})`),
        );
      }
      // Without dependsOn a stage waits for the one before it.
      const previous = index > 0 ? stages[index - 1]?.name : undefined;
      const upstream = new Set(explicit ? explicit.map((d) => d.name) : previous ? [previous] : []);
      for (const key of ['condition', 'variables']) {
        const node = get(stage.node, key);
        if (node) checkStageLevelReferences(node, stage.name, upstream, diagnostics);
      }
      const jobsNode = get(stage.node, 'jobs');
      if (jobsNode?.kind === 'seq') checkJobs(jobsNode.items, stage.name, upstream, known, diagnostics);
    });
  }
  const jobsNode = get(pipeline, 'jobs');
  if (jobsNode?.kind === 'seq') checkJobs(jobsNode.items, undefined, new Set(), new Map(), diagnostics);
  return diagnostics;
}

function checkNames(items: Named[], what: string, diagnostics: Diagnostic[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (!item.name) continue;
    if (!NAME.test(item.name)) {
      diagnostics.push(diagnostic('error', item.node.loc, 'name', `${what} name "${item.name}" may hold only letters, digits and _ and must not start with a digit`));
    }
    if (seen.has(item.name)) diagnostics.push(diagnostic('error', item.node.loc, 'name', `${what} "${item.name}" is defined twice`));
    seen.add(item.name);
  }
}

function checkStageLevelReferences(node: PNode, stage: string | undefined, upstream: Set<string>, diagnostics: Diagnostic[]): void {
  strings(node, (text, at) => {
    for (const match of text.matchAll(/\bdependencies\.([A-Za-z_][A-Za-z0-9_]*)\.(outputs|result)\b/g)) {
      const name = match[1] as string;
      if (!upstream.has(name)) {
        diagnostics.push(diagnostic('error', at.loc, 'output-reference', `stage "${stage ?? '?'}" reads dependencies.${name}.${match[2]}, but does not depend on stage "${name}"`));
      }
    }
  });
}

function checkJobs(
  items: PNode[],
  stage: string | undefined,
  stageUpstream: Set<string>,
  stages: Map<string, Named>,
  diagnostics: Diagnostic[],
): void {
  const jobs = named(items, ['job', 'deployment']);
  checkNames(jobs, 'job', diagnostics);
  const known = new Set(jobs.filter((j) => j.name).map((j) => j.name as string));
  const anyUnknown = jobs.some((j) => j.unknown);
  const where = stage ? ` in stage "${stage}"` : '';
  for (const job of jobs) {
    const explicit = dependsOnList(get(job.node, 'dependsOn')) ?? [];
    for (const dependency of explicit) {
      if (dependency.name.includes('${{') || known.has(dependency.name) || anyUnknown) continue;
      diagnostics.push(
        diagnostic('error', dependency.node.loc, 'depends-on', `job "${job.name ?? '?'}" depends on "${dependency.name}", which is not a job${where} (jobs: ${[...known].join(', ')})`),
      );
    }
    const upstream = new Set(explicit.map((d) => d.name));
    strings(job.node, (text, at) => {
      for (const match of text.matchAll(/\bstageDependencies\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\.(outputs|result)\b/g)) {
        const [, stageName, jobName] = match as unknown as [string, string, string];
        if (!stageUpstream.has(stageName)) {
          diagnostics.push(diagnostic('error', at.loc, 'output-reference', `job "${job.name ?? '?'}"${where} reads stageDependencies.${stageName}.${jobName}, but the stage does not depend on "${stageName}"`));
          continue;
        }
        const other = stages.get(stageName);
        const otherJobs = other ? get(other.node, 'jobs') : undefined;
        if (otherJobs?.kind === 'seq') {
          const names = named(otherJobs.items, ['job', 'deployment']);
          if (!names.some((n) => n.unknown) && !names.some((n) => n.name === jobName)) {
            diagnostics.push(diagnostic('error', at.loc, 'output-reference', `stage "${stageName}" has no job "${jobName}" (reads stageDependencies.${stageName}.${jobName})`));
          }
        }
      }
      for (const match of text.matchAll(/(?<![A-Za-z.])dependencies\.([A-Za-z_][A-Za-z0-9_]*)\.(outputs|result)\b/g)) {
        const name = match[1] as string;
        if (!upstream.has(name)) {
          diagnostics.push(diagnostic('error', at.loc, 'output-reference', `job "${job.name ?? '?'}"${where} reads dependencies.${name}.${match[2]}, but does not list "${name}" in dependsOn`));
        }
      }
    });
  }
}

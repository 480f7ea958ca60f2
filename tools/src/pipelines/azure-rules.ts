import type { AzdoConfig, EnvironmentSettings } from '../azdo/config';
import { directiveOf } from './expressions';
import { diagnostic, get, scalarText, type Diagnostic, type Loc, type PNode, type ParsedFile } from './yaml-tree';

/**
 * Platform behaviours of Azure Pipelines that no local engine reproduces, checked on the
 * compiled pipeline (and, for secrets mapped into steps, on the files as written). Each rule's
 * message says what Azure would do; pipelines/README.md lists them, and every rule has a passing
 * and a failing fixture (fixtures/azure-*).
 */
export const azureRuleIds = [
  'batch-blocks-deploys',
  'publish-without-verify',
  'skipped-without-reason',
  'artifact-name-per-attempt',
  'reserved-job-name',
  'deployment-implicit-download',
  'token-not-read',
] as const;
export type AzureRuleId = (typeof azureRuleIds)[number];

/** The job whose success every publishing job needs (lint, tests, build). */
export const VERIFY_JOB = 'verify';

/** Commands that put something where others consume it: a registry push (images, release manifest). */
const PUBLISHES = /\b(?:shipyard\s+(?:images|release)\s+push|docker\s+push|helm\s+push|oras\s+push|az\s+acr\s+import)\b/;

/** Commands that read SYSTEM_ACCESSTOKEN. `onBranchBuildsOnly`: they ignore it on pull requests. */
const TOKEN_READERS: Array<{ pattern: RegExp; onBranchBuildsOnly: boolean }> = [
  { pattern: /\bshipyard\s+affected\b/, onBranchBuildsOnly: true },
  { pattern: /\bshipyard\s+(?:workitems|azdo|pipelines\s+(?:schema|validate))\b/, onBranchBuildsOnly: false },
  { pattern: /\baz\s+(?:devops|pipelines|boards|repos|artifacts)\b/, onBranchBuildsOnly: false },
  { pattern: /\$\{?SYSTEM_ACCESSTOKEN\b|process\.env\.SYSTEM_ACCESSTOKEN|\$env:SYSTEM_ACCESSTOKEN/, onBranchBuildsOnly: false },
];

const HOOKS = ['preDeploy', 'deploy', 'routeTraffic', 'postRouteTraffic'] as const;
const SUCCESS_RESULTS = new Set(['succeeded', 'succeededwithissues']);

export interface AzureRulesInput {
  /** The pipeline as compiled (templates inlined). */
  pipeline: PNode;
  /** Every parsed file, as written. */
  files: Iterable<ParsedFile>;
  /** The text of a file (comments are not in the tree). */
  source: (file: string) => string;
  /** azure-devops.yml, when the repository has one. */
  azdo: AzdoConfig | null;
}

const seqItems = (node: PNode | undefined): PNode[] => (node?.kind === 'seq' ? node.items : []);
const isTrue = (node: PNode | undefined) => node?.kind === 'scalar' && (node.value === true || String(node.value).toLowerCase() === 'true');

/** Every string under a node. */
function texts(node: PNode | undefined, skip: ReadonlySet<string> = new Set()): string[] {
  if (!node) return [];
  if (node.kind === 'scalar') return typeof node.value === 'string' ? [node.value] : [];
  if (node.kind === 'seq') return node.items.flatMap((item) => texts(item, skip));
  return node.entries.filter((e) => !skip.has(e.key)).flatMap((e) => texts(e.value, skip));
}

interface JobInfo {
  name: string;
  node: PNode;
  stage: string | undefined;
  dependsOn: string[];
  /** The condition as written, or the default `succeeded()`. */
  condition: string;
  conditionLoc: Loc | undefined;
}

function jobsOf(pipeline: PNode): JobInfo[][] {
  const groups: JobInfo[][] = [];
  const collect = (jobs: PNode | undefined, stage: string | undefined) => {
    const infos = seqItems(jobs).flatMap((node): JobInfo[] => {
      const name = scalarText(get(node, 'job')) ?? scalarText(get(node, 'deployment'));
      if (!name) return [];
      const dependsNode = get(node, 'dependsOn');
      const dependsOn = dependsNode?.kind === 'seq' ? dependsNode.items.flatMap((i) => scalarText(i) ?? []) : dependsNode ? [scalarText(dependsNode) ?? ''].filter(Boolean) : [];
      const conditionNode = get(node, 'condition');
      return [{ name, node, stage, dependsOn, condition: scalarText(conditionNode) ?? 'succeeded()', conditionLoc: conditionNode?.loc }];
    });
    groups.push(infos);
  };
  for (const stage of seqItems(get(pipeline, 'stages'))) collect(get(stage, 'jobs'), scalarText(get(stage, 'stage')));
  collect(get(pipeline, 'jobs'), undefined);
  // A pipeline with only steps: is one implicit job (Azure names it "Job").
  if (get(pipeline, 'steps')) groups.push([{ name: 'Job', node: pipeline, stage: undefined, dependsOn: [], condition: 'succeeded()', conditionLoc: undefined }]);
  return groups;
}

/** Whether a job's condition runs it only when `dependency` succeeded. */
export function requiresSuccessOf(condition: string, dependency: string): boolean {
  const text = condition.replace(/\s+/g, ' ');
  const escaped = dependency.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const results = [...text.matchAll(new RegExp(`\\b(?:eq|in)\\(\\s*dependencies\\.${escaped}\\.result\\s*,([^)]*)\\)`, 'gi'))];
  if (results.length > 0) {
    return results.every((match) => {
      const accepted = [...(match[1] ?? '').matchAll(/'([^']*)'/g)].map((m) => (m[1] ?? '').toLowerCase());
      return accepted.length > 0 && accepted.every((result) => SUCCESS_RESULTS.has(result));
    });
  }
  if (/\b(?:or|not|always|failed|succeededOrFailed|canceled)\s*\(/i.test(text)) return false;
  return /\bsucceeded\(\s*\)/i.test(text) || new RegExp(`\\bsucceeded\\(\\s*'${escaped}'\\s*\\)`, 'i').test(text);
}

function environmentName(job: PNode): string | undefined {
  const environment = get(job, 'environment');
  return scalarText(environment) ?? scalarText(get(environment, 'name'));
}

function settingsFor(name: string, azdo: AzdoConfig | null): EnvironmentSettings | undefined {
  if (!azdo) return undefined;
  // environment-name.resource-name targets a resource of the environment.
  return Object.values(azdo.environments).find((settings) => name === settings.name || name.startsWith(`${settings.name}.`));
}

function checkBatch(pipeline: PNode, azdo: AzdoConfig | null, out: Diagnostic[]): void {
  const trigger = get(pipeline, 'trigger');
  const batch = get(trigger, 'batch');
  if (!isTrue(batch) || !batch) return;
  const guarded = new Map<string, string[]>();
  for (const job of jobsOf(pipeline).flat()) {
    const name = environmentName(job.node);
    const settings = name ? settingsFor(name, azdo) : undefined;
    if (!name || !settings) continue;
    const checks = [settings.approval ? `an approval with a ${settings.approval.timeoutMinutes}-minute timeout` : '', settings.exclusiveLock ? 'an exclusive lock' : ''].filter(Boolean);
    if (checks.length > 0) guarded.set(name, checks);
  }
  if (guarded.size === 0) return;
  const list = [...guarded].map(([name, checks]) => `${name} (${checks.join(', ')})`).join(', ');
  out.push(
    diagnostic(
      'error',
      batch.loc,
      'batch-blocks-deploys',
      `trigger.batch: true while deployment environments have checks in azure-devops.yml: ${list}. Azure Pipelines starts no new CI run on the branch until the current run is complete, and a run waiting for an approval or a lock is not complete, so every push waits for the slowest environment. Drop batch and let the environments' exclusive lock (lockBehavior) serialise the deployments`,
    ),
  );
}

function checkPublishers(pipeline: PNode, sourceOf: (file: string) => string, out: Diagnostic[]): void {
  for (const jobs of jobsOf(pipeline)) {
    const byName = new Map(jobs.map((job) => [job.name, job]));
    const verified = new Map<string, boolean>();
    const isVerified = (job: JobInfo, visiting: Set<string>): boolean => {
      const known = verified.get(job.name);
      if (known !== undefined) return known;
      if (visiting.has(job.name)) return false;
      visiting.add(job.name);
      const result = job.dependsOn.some((dependency) => {
        if (!requiresSuccessOf(job.condition, dependency)) return false;
        if (dependency === VERIFY_JOB) return true;
        const upstream = byName.get(dependency);
        return upstream ? isVerified(upstream, visiting) : false;
      });
      verified.set(job.name, result);
      return result;
    };
    for (const job of jobs) {
      if (/\bSkipped\b/.test(job.condition) && job.conditionLoc && !commentedNear(sourceOf(job.conditionLoc.file), job.conditionLoc.line, job.condition)) {
        out.push(
          diagnostic(
            'error',
            job.conditionLoc,
            'skipped-without-reason',
            `job "${job.name}" runs when a dependency was Skipped; Azure Pipelines also skips a job whose own dependency failed, so Skipped can mean "an earlier job failed". Say in a comment next to the condition why Skipped is safe here, and require ${VERIFY_JOB}'s success explicitly`,
          ),
        );
      }
      const command = texts(get(job.node, 'steps') ?? get(job.node, 'strategy')).find((text) => PUBLISHES.test(text));
      if (!command || job.name === VERIFY_JOB || !byName.has(VERIFY_JOB)) continue;
      if (isVerified(job, new Set())) continue;
      const what = PUBLISHES.exec(command)?.[0] ?? 'push';
      out.push(
        diagnostic(
          'error',
          job.node.loc,
          'publish-without-verify',
          `job "${job.name}" publishes (${what}) but can run when job "${VERIFY_JOB}" did not succeed: Azure Pipelines runs a job whenever its condition holds, and a dependency that was skipped or a condition accepting Skipped lets it through. Depend on "${VERIFY_JOB}" (directly, or through jobs that require it) with a condition that requires its success`,
        ),
      );
    }
  }
}

/** A `#` comment on the lines of the condition or the two lines above it. */
function commentedNear(source: string, line: number, condition: string): boolean {
  const lines = source.split('\n');
  const last = line - 1 + condition.split('\n').length;
  return lines.slice(Math.max(0, line - 3), last + 1).some((text) => /(^|\s)#/.test(text));
}

interface StepVisit {
  step: PNode;
  job: JobInfo;
}

function stepsOf(job: JobInfo): Array<{ hook: string | undefined; steps: PNode[]; loc: Loc }> {
  const direct = get(job.node, 'steps');
  if (direct) return [{ hook: undefined, steps: seqItems(direct), loc: direct.loc }];
  const found: Array<{ hook: string | undefined; steps: PNode[]; loc: Loc }> = [];
  const strategy = get(job.node, 'strategy');
  for (const kind of ['runOnce', 'rolling', 'canary']) {
    const body = get(strategy, kind);
    if (!body) continue;
    for (const hook of HOOKS) {
      const steps = get(get(body, hook), 'steps');
      if (steps) found.push({ hook, steps: seqItems(steps), loc: get(body, hook)?.loc ?? steps.loc });
    }
    for (const outcome of ['success', 'failure']) {
      const steps = get(get(get(body, 'on'), outcome), 'steps');
      if (steps) found.push({ hook: `on.${outcome}`, steps: seqItems(steps), loc: steps.loc });
    }
  }
  return found;
}

function checkSteps(pipeline: PNode, out: Diagnostic[]): void {
  const visits: StepVisit[] = [];
  for (const job of jobsOf(pipeline).flat()) {
    const isDeployment = get(job.node, 'deployment') !== undefined;
    if (isDeployment && job.name.toLowerCase() === 'deploy') {
      out.push(
        diagnostic(
          'error',
          job.node.loc,
          'reserved-job-name',
          'deployment job "deploy": the Azure Pipelines YAML schema reserves the word deploy (the lifecycle hook of every deployment strategy) and does not support it as a deployment name; rename the job',
        ),
      );
    }
    for (const { hook, steps, loc } of stepsOf(job)) {
      visits.push(...steps.map((step) => ({ step, job })));
      if (!isDeployment) continue;
      const downloads = steps.some((step) => get(step, 'download') !== undefined || /^DownloadPipelineArtifact@/i.test(scalarText(get(step, 'task')) ?? ''));
      if (!downloads) {
        out.push(
          diagnostic(
            'error',
            loc,
            'deployment-implicit-download',
            `deployment job "${job.name}" (${hook}) has no download step: Azure Pipelines then downloads every pipeline artifact of the run before the first step. Add "- download: none", or a download step naming the artifact it needs`,
          ),
        );
      }
    }
  }
  for (const { step, job } of visits) {
    const publish = get(step, 'publish');
    const task = scalarText(get(step, 'task')) ?? '';
    const isTask = /^PublishPipelineArtifact@/i.test(task);
    if (!publish && !isTask) continue;
    const nameNode = publish ? get(step, 'artifact') : (get(get(step, 'inputs'), 'artifact') ?? get(get(step, 'inputs'), 'artifactName'));
    const name = scalarText(nameNode);
    if (name && /\$\(System\.JobAttempt\)/i.test(name)) continue;
    out.push(
      diagnostic(
        'error',
        (nameNode ?? step).loc,
        'artifact-name-per-attempt',
        `job "${job.name}" publishes pipeline artifact ${name ? `"${name}"` : 'without a name'} under the same name on every attempt: pipeline artifacts cannot be overwritten, so "Rerun failed jobs" fails with "Artifact ${name ?? '…'} already exists for build …". Add $(System.JobAttempt) to the name and download by pattern`,
      ),
    );
  }
}

/** Where SYSTEM_ACCESSTOKEN is mapped into a step's env (as written: `${{ if }}` guards are visible only there). */
function checkTokens(files: Iterable<ParsedFile>, out: Diagnostic[]): void {
  const visit = (node: PNode | undefined) => {
    if (!node || node.kind === 'scalar') return;
    if (node.kind === 'seq') return node.items.forEach(visit);
    const env = get(node, 'env');
    if (env?.kind === 'map') {
      const mapping = tokenMapping(env);
      if (mapping) {
        const commands = texts(node, new Set(['env', 'displayName', 'condition', 'name'])).join('\n');
        const readers = TOKEN_READERS.filter((reader) => reader.pattern.test(commands));
        if (readers.length === 0) {
          out.push(
            diagnostic(
              'error',
              mapping.loc,
              'token-not-read',
              'SYSTEM_ACCESSTOKEN is mapped into a step whose commands never read it: Azure Pipelines hands the job\'s token to every process of that step. Map it only into the steps that use it',
            ),
          );
        } else if (readers.every((reader) => reader.onBranchBuildsOnly) && !mapping.guardedOnPullRequests) {
          out.push(
            diagnostic(
              'error',
              mapping.loc,
              'token-not-read',
              "SYSTEM_ACCESSTOKEN is mapped into a step that reads it only on branch builds: on pull requests Azure Pipelines still hands the job's token to that step (which runs the pull request's code). Map it under ${{ if ne(variables['Build.Reason'], 'PullRequest') }}",
            ),
          );
        }
      }
    }
    node.entries.forEach((e) => visit(e.value));
  };
  for (const file of files) visit(file.root ?? undefined);
}

function tokenMapping(env: Extract<PNode, { kind: 'map' }>): { loc: Loc; guardedOnPullRequests: boolean } | undefined {
  for (const e of env.entries) {
    if (e.key === 'SYSTEM_ACCESSTOKEN') return { loc: e.keyLoc, guardedOnPullRequests: false };
    const directive = directiveOf(e.key);
    if (directive && e.value.kind === 'map') {
      const inner = tokenMapping(e.value);
      const condition = 'condition' in directive ? String(directive.condition) : '';
      if (inner) return { loc: inner.loc, guardedOnPullRequests: inner.guardedOnPullRequests || (/Build\.Reason/.test(condition) && /PullRequest/.test(condition) && /\bne\(/.test(condition)) };
    }
  }
  return undefined;
}

export function checkAzureRules(input: AzureRulesInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  checkBatch(input.pipeline, input.azdo, out);
  checkPublishers(input.pipeline, input.source, out);
  checkSteps(input.pipeline, out);
  checkTokens(input.files, out);
  return out;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { helmPin } from '../helm/version';
import { workspaceRoot } from '../workspace/root';
import { azureRuleIds } from './azure-rules';
import { compileSchema, type PipelineSchema } from './schema';
import { localSchemaFile } from './testing/local-schema';
import { validatePipelines } from './validate';
import type { Diagnostic } from './yaml-tree';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

// Only the JSON-schema cases depend on Microsoft's schema file; they skip (with a warning) on a
// machine without it, and fail under CI/TF_BUILD. Every structural check below runs without it.
const schemaFile = localSchemaFile();
const describeWithSchema = schemaFile ? describe : describe.skip;

const brief = (d: Diagnostic) => `${d.file}:${d.line} ${d.severity} [${d.rule}] ${d.message}`;
const check = (name: string) => validatePipelines({ repositoryRoot: fixture(name) }).diagnostics.map(brief);

describeWithSchema('validatePipelines with the Azure Pipelines JSON schema', () => {
  let schema: PipelineSchema;
  beforeAll(() => {
    schema = compileSchema(readFileSync(schemaFile as string, 'utf8'), schemaFile as string);
  }, 60_000);

  it("passes on this repository's azure-pipelines.yml and pipelines/, with no warning either", () => {
    const report = validatePipelines({ repositoryRoot: workspaceRoot, schema });
    expect(report.diagnostics.map(brief)).toEqual([]);
    expect(report.files).toEqual(expect.arrayContaining(['azure-pipelines.yml', 'pipelines/stages/ci.yml', 'pipelines/stages/deploy.yml', 'pipelines/variables/prod.yml']));
  }, 30_000);

  it.each(['valid', 'azure-rules-pass'])('passes on the fixture %s', (name) => {
    expect(validatePipelines({ repositoryRoot: fixture(name), schema }).diagnostics.map(brief)).toEqual([]);
  });

  it('reports a schema violation in a template at the line of the offending key', () => {
    expect(validatePipelines({ repositoryRoot: fixture('schema-violation'), schema }).diagnostics.map(brief)).toEqual([
      'pipelines/jobs/build.yml:7 error [schema] /jobs/0/steps/0: unknown property "inputz" (did you mean "inputs"?)',
    ]);
  });
});

describe('validatePipelines: structure (no schema needed, never skipped)', () => {
  it("passes on this repository's pipeline, with no warning either", () => {
    expect(validatePipelines({ repositoryRoot: workspaceRoot }).diagnostics.map(brief)).toEqual([]);
  }, 30_000);

  it('passes on a fixture using relative, /rooted and @self templates, if/else, each and output variables', () => {
    expect(check('valid')).toEqual([]);
  });

  it('names the file and line of a missing template', () => {
    expect(validatePipelines({ repositoryRoot: fixture('missing-template') }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:5 error [template-missing] template "pipelines/jobs/tset.yml" not found (looked for pipelines/jobs/tset.yml)',
    ]);
  });

  it('rejects a parameter the template does not declare, and a template reading one it does not declare', () => {
    expect(validatePipelines({ repositoryRoot: fixture('undeclared-parameter') }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:5 error [undeclared-parameter] pipelines/jobs/build.yml declares no parameter "colour" (declared: nodeVersion)',
      'pipelines/jobs/build.yml:7 error [undeclared-parameter] uses parameters.agentOs, which this file does not declare',
    ]);
  });

  it('rejects values of the wrong type or outside the allowed values (a $(macro) is not a boolean at compile time)', () => {
    expect(validatePipelines({ repositoryRoot: fixture('wrong-parameter-type') }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:4 error [parameter-type] parameter "retries" of pipelines/steps/test.yml: expected a number, got "many"',
      'azure-pipelines.yml:5 error [parameter-type] parameter "coverage" of pipelines/steps/test.yml: expected a boolean, got "$(collectCoverage)"',
      'azure-pipelines.yml:6 error [parameter-type] parameter "shard" of pipelines/steps/test.yml: "third" is not one of the allowed values: first, second',
    ]);
  });

  it('rejects a dependsOn naming no stage (the name comes in through a parameter) and an output read without dependsOn', () => {
    expect(validatePipelines({ repositoryRoot: fixture('dangling-depends-on') }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:13 error [depends-on] stage "deploy" depends on "biuld", which is not a stage of this pipeline (stages: build, deploy)',
      'pipelines/stages/deploy.yml:9 error [output-reference] job "smoke" in stage "deploy" reads dependencies.deploy.result, but does not list "deploy" in dependsOn',
    ]);
  });

  it('rejects trigger paths that do not exist, and warns about templates nothing uses', () => {
    expect(validatePipelines({ repositoryRoot: fixture('trigger-path') }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:7 error [trigger-path] trigger.paths.include names "srcs/*", but the folder "srcs/" does not exist',
      'azure-pipelines.yml:9 error [trigger-path] trigger.paths.exclude names "docs/README.md", but no such file or folder exists',
      'pipelines/steps/unused.yml:1 warning [template-unused] pipelines/steps/unused.yml is not used by azure-pipelines.yml',
    ]);
  });

  it('without a schema finds nothing wrong in a file only the schema rejects', () => {
    expect(check('schema-violation')).toEqual([]);
  });
});

// Azure Pipelines behaviours that no local engine reproduces. Each rule: a failing fixture
// (fixtures/azure-<rule id>) that fails with the rule's id, and the passing fixture azure-rules-pass.
describe("validatePipelines: Azure Pipelines' platform rules", () => {
  const rulesOf = (name: string) => validatePipelines({ repositoryRoot: fixture(name) }).diagnostics.map((d) => d.rule);

  it('passes the fixture that satisfies every rule (and reads its azure-devops.yml)', () => {
    expect(check('azure-rules-pass')).toEqual([]);
  });

  // Every rule has a failing fixture named after it, which fails with that rule only.
  it.each(azureRuleIds.map((id) => [id]))('%s: its failing fixture fails with the rule id', (id) => {
    const rules = rulesOf(`azure-${id}`);
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules)).toEqual(new Set([id]));
  });

  // Batching: "When batch is true, the system waits until the run is completed, then starts
  // another run with all changes that have not yet been built"; a run waiting on an approval is
  // not completed. https://learn.microsoft.com/en-us/azure/devops/pipelines/repos/azure-repos-git#batching-ci-runs
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/yaml-schema/trigger
  // Exclusive lock and lockBehavior (runLatest | sequential, per stage or pipeline):
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/process/approvals#exclusive-lock
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/yaml-schema/stages-stage
  it('batch-blocks-deploys: batching with environments that have an approval or a lock in azure-devops.yml', () => {
    expect(check('azure-batch-blocks-deploys')).toEqual([
      "azure-pipelines.yml:2 error [batch-blocks-deploys] trigger.batch: true while deployment environments have checks in azure-devops.yml: web-prod (an approval with a 4320-minute timeout, an exclusive lock). Azure Pipelines starts no new CI run on the branch until the current run is complete, and a run waiting for an approval or a lock is not complete, so every push waits for the slowest environment. Drop batch and let the environments' exclusive lock (lockBehavior) serialise the deployments",
    ]);
  });

  // A job with a custom condition runs whenever the condition holds; a dependency skipped
  // because an earlier one failed has result Skipped.
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/process/conditions
  it('publish-without-verify: a push reachable when verify failed (through a Skipped dependency)', () => {
    expect(check('azure-publish-without-verify')).toEqual([
      'azure-pipelines.yml:9 error [publish-without-verify] job "release" publishes (shipyard release push) but can run when job "verify" did not succeed: Azure Pipelines runs a job whenever its condition holds, and a dependency that was skipped or a condition accepting Skipped lets it through. Depend on "verify" (directly, or through jobs that require it) with a condition that requires its success',
    ]);
  });

  it('skipped-without-reason: a condition accepting Skipped without a comment saying why', () => {
    expect(check('azure-skipped-without-reason')).toEqual([
      'azure-pipelines.yml:11 error [skipped-without-reason] job "release" runs when a dependency was Skipped; Azure Pipelines also skips a job whose own dependency failed, so Skipped can mean "an earlier job failed". Say in a comment next to the condition why Skipped is safe here, and require verify\'s success explicitly',
    ]);
  });

  // Pipeline artifacts are immutable: a rerun fails with "Artifact <name> already exists for build <id>".
  // https://github.com/microsoft/azure-pipelines-tasks/issues/12854 (maintainer: use System.JobAttempt)
  // https://github.com/MicrosoftDocs/azure-devops-docs/issues/10543
  // System.JobAttempt: https://learn.microsoft.com/en-us/azure/devops/pipelines/build/variables
  it('artifact-name-per-attempt: `publish:` and PublishPipelineArtifact names without $(System.JobAttempt)', () => {
    expect(rulesOf('azure-artifact-name-per-attempt')).toEqual(['artifact-name-per-attempt', 'artifact-name-per-attempt']);
    expect(check('azure-artifact-name-per-attempt')[0]).toContain('fails with "Artifact web already exists for build …"');
  });

  // "The word deploy is a keyword and is unsupported as the deployment name."
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/yaml-schema/jobs-deployment
  it('reserved-job-name: a deployment job named deploy', () => {
    expect(check('azure-reserved-job-name')).toEqual([
      'azure-pipelines.yml:2 error [reserved-job-name] deployment job "deploy": the Azure Pipelines YAML schema reserves the word deploy (the lifecycle hook of every deployment strategy) and does not support it as a deployment name; rename the job',
    ]);
  });

  // `download: none` disables the automatic download that deployment jobs otherwise do.
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/yaml-schema/steps-download
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/process/deployment-jobs
  it('deployment-implicit-download: a deployment hook without a download step', () => {
    expect(check('azure-deployment-implicit-download')).toEqual([
      'azure-pipelines.yml:7 error [deployment-implicit-download] deployment job "rollout" (deploy) has no download step: Azure Pipelines then downloads every pipeline artifact of the run before the first step. Add "- download: none", or a download step naming the artifact it needs',
    ]);
  });

  // System.AccessToken reaches a script only through env; Build.Reason is known at compile time,
  // so `${{ if ne(variables['Build.Reason'], 'PullRequest') }}` keeps it from PR builds.
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/build/variables#systemaccesstoken
  it('token-not-read: the job token mapped where nothing reads it, or on PRs into a branch-only reader', () => {
    expect(check('azure-token-not-read').map((line) => line.slice(0, line.indexOf(':', line.indexOf(']'))))).toEqual([
      'azure-pipelines.yml:4 error [token-not-read] SYSTEM_ACCESSTOKEN is mapped into a step that reads it only on branch builds',
      'azure-pipelines.yml:7 error [token-not-read] SYSTEM_ACCESSTOKEN is mapped into a step whose commands never read it',
    ]);
  });
});

describe("this repository's pipeline", () => {
  const compiled = () => JSON.stringify(validatePipelines({ repositoryRoot: workspaceRoot }).pipeline);

  it('runs the integration tests in verify and checks the pipeline files against a schema there (never "none")', () => {
    const text = readFileSync(path.join(workspaceRoot, 'pipelines/jobs/verify.yml'), 'utf8');
    expect(text).toMatch(/nx affected -t lint test build integration\b/);
    expect(text).not.toMatch(/SHIPYARD_PIPELINE_SCHEMA:\s*none/);
    expect(text).toContain('npx shipyard pipelines schema --out "$(SHIPYARD_PIPELINE_SCHEMA)"');
  });

  // HelmInstaller@1 installs the official release on hosted agents; the version must be the pinned one,
  // or `shipyard helm version` ignores it and fetches the npm copy.
  // https://learn.microsoft.com/en-us/azure/devops/pipelines/tasks/reference/helm-installer-v1
  it('installs the pinned helm with HelmInstaller@1', () => {
    const pipeline = compiled();
    const versions = [...pipeline.matchAll(/"helmVersionToInstall","keyLoc":\{[^}]*\},"value":\{"kind":"scalar","value":"([^"]+)"/g)].map((m) => m[1]);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(versions)).toEqual(new Set([helmPin.helmVersion]));
  });
});

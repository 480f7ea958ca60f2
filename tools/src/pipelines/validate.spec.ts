import { readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '../workspace/root';
import { compileSchema, type PipelineSchema } from './schema';
import { localSchemaFile } from './testing/local-schema';
import { validatePipelines } from './validate';
import type { Diagnostic } from './yaml-tree';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

const schemaFile = localSchemaFile();
const describeWithSchema = schemaFile ? describe : describe.skip;

const brief = (d: Diagnostic) => `${d.file}:${d.line} ${d.severity} [${d.rule}] ${d.message}`;

describeWithSchema('validatePipelines', () => {
  let schema: PipelineSchema;
  beforeAll(() => {
    schema = compileSchema(readFileSync(schemaFile as string, 'utf8'), schemaFile as string);
  }, 60_000);

  it("passes on this repository's azure-pipelines.yml and pipelines/, with no warning either", () => {
    const report = validatePipelines({ repositoryRoot: workspaceRoot, schema });
    expect(report.diagnostics.map(brief)).toEqual([]);
    expect(report.files).toEqual(expect.arrayContaining(['azure-pipelines.yml', 'pipelines/stages/ci.yml', 'pipelines/stages/deploy.yml', 'pipelines/variables/prod.yml']));
  }, 30_000);

  it('passes on a fixture using relative, /rooted and @self templates, if/else, each and output variables', () => {
    expect(validatePipelines({ repositoryRoot: fixture('valid'), schema }).diagnostics.map(brief)).toEqual([]);
  });

  it('names the file and line of a missing template', () => {
    expect(validatePipelines({ repositoryRoot: fixture('missing-template'), schema }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:5 error [template-missing] template "pipelines/jobs/tset.yml" not found (looked for pipelines/jobs/tset.yml)',
    ]);
  });

  it('rejects a parameter the template does not declare, and a template reading one it does not declare', () => {
    expect(validatePipelines({ repositoryRoot: fixture('undeclared-parameter'), schema }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:5 error [undeclared-parameter] pipelines/jobs/build.yml declares no parameter "colour" (declared: nodeVersion)',
      'pipelines/jobs/build.yml:7 error [undeclared-parameter] uses parameters.agentOs, which this file does not declare',
    ]);
  });

  it('rejects values of the wrong type or outside the allowed values (a $(macro) is not a boolean at compile time)', () => {
    expect(validatePipelines({ repositoryRoot: fixture('wrong-parameter-type'), schema }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:4 error [parameter-type] parameter "retries" of pipelines/steps/test.yml: expected a number, got "many"',
      'azure-pipelines.yml:5 error [parameter-type] parameter "coverage" of pipelines/steps/test.yml: expected a boolean, got "$(collectCoverage)"',
      'azure-pipelines.yml:6 error [parameter-type] parameter "shard" of pipelines/steps/test.yml: "third" is not one of the allowed values: first, second',
    ]);
  });

  it('rejects a dependsOn naming no stage (the name comes in through a parameter) and an output read without dependsOn', () => {
    expect(validatePipelines({ repositoryRoot: fixture('dangling-depends-on'), schema }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:13 error [depends-on] stage "deploy" depends on "biuld", which is not a stage of this pipeline (stages: build, deploy)',
      'pipelines/stages/deploy.yml:9 error [output-reference] job "smoke" in stage "deploy" reads dependencies.deploy.result, but does not list "deploy" in dependsOn',
    ]);
  });

  it('reports a schema violation in a template at the line of the offending key', () => {
    expect(validatePipelines({ repositoryRoot: fixture('schema-violation'), schema }).diagnostics.map(brief)).toEqual([
      'pipelines/jobs/build.yml:7 error [schema] /jobs/0/steps/0: unknown property "inputz" (did you mean "inputs"?)',
    ]);
  });

  it('rejects trigger paths that do not exist, and warns about templates nothing uses', () => {
    expect(validatePipelines({ repositoryRoot: fixture('trigger-path'), schema }).diagnostics.map(brief)).toEqual([
      'azure-pipelines.yml:7 error [trigger-path] trigger.paths.include names "srcs/*", but the folder "srcs/" does not exist',
      'azure-pipelines.yml:9 error [trigger-path] trigger.paths.exclude names "docs/README.md", but no such file or folder exists',
      'pipelines/steps/unused.yml:1 warning [template-unused] pipelines/steps/unused.yml is not used by azure-pipelines.yml',
    ]);
  });

  it('without a schema still runs every structural check', () => {
    expect(validatePipelines({ repositoryRoot: fixture('schema-violation') }).diagnostics).toEqual([]);
    expect(validatePipelines({ repositoryRoot: fixture('missing-template') }).diagnostics).toHaveLength(1);
  });
});

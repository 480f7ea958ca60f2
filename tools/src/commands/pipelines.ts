import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { loadAzdoConfig } from '../azdo/config';
import { CliError, ExitCode } from '../cli/errors';
import { compileSchema, readSchemaText, SchemaLoadError, type PipelineSchema } from '../pipelines/schema';
import { chooseSchema } from '../pipelines/schema-source';
import { validatePipelines } from '../pipelines/validate';
import { workspaceRoot } from '../workspace/root';

const Options = z.object({
  schema: z.string().min(1).optional(),
  root: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

export function pipelinesCommand(): Command {
  const pipelines = new Command('pipelines').description('Azure Pipelines YAML of this repository.');
  pipelines
    .command('validate')
    .description(
      'Check azure-pipelines.yml and every file under pipelines/: YAML syntax, template references, parameters passed against\n' +
        'each template\'s declarations (name, type, required, allowed values), stage/job names, dependsOn and output-variable\n' +
        'references, trigger paths, and the Azure Pipelines JSON schema. Problems are printed as file:line:col.',
    )
    .option(
      '--schema <file|url>',
      'Azure Pipelines JSON schema: a file, or https://dev.azure.com/{org}/_apis/distributedtask/yamlschema (with AZURE_DEVOPS_EXT_PAT\n' +
        'or SYSTEM_ACCESSTOKEN); "none" skips it. Default: $SHIPYARD_PIPELINE_SCHEMA, else ../shared/azure-pipelines/service-schema.json',
    )
    .option('--root <dir>', 'repository root to check (default: this workspace)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExit codes: 0 valid (warnings allowed), 1 problems found, 2 bad arguments, 3 schema could not be loaded.')
    .action(async (raw: Record<string, unknown>) => {
      const options = Options.parse(raw);
      const repositoryRoot = options.root ? path.resolve(options.root) : workspaceRoot;
      const source = chooseSchema(options.schema, process.env, workspaceRoot);
      let schema: PipelineSchema | undefined;
      if (source.kind === 'given') {
        process.stderr.write(`[pipelines] schema: ${source.location} (${source.from})\n`);
        try {
          schema = compileSchema(await readSchemaText(source.location, process.env, organisationUrl()), source.location);
          if (schema.tasksWithoutInputs.length > 0) {
            process.stderr.write(`[pipelines] the schema names ${schema.tasksWithoutInputs.join(', ')} without their inputs: accepted, inputs not checked\n`);
          }
        } catch (error) {
          if (error instanceof SchemaLoadError) throw new CliError(error.message, ExitCode.environment);
          throw error;
        }
      } else {
        process.stderr.write(`warning: schema check skipped (${source.why})\n`);
      }
      const report = validatePipelines({ repositoryRoot, schema });
      const errors = report.diagnostics.filter((d) => d.severity === 'error');
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ files: report.files, schema: source.kind === 'given' ? source.location : null, diagnostics: report.diagnostics }, null, 2)}\n`);
      } else {
        for (const d of report.diagnostics) process.stdout.write(`${d.file}:${d.line}:${d.col} ${d.severity} [${d.rule}] ${d.message}\n`);
      }
      const warnings = report.diagnostics.length - errors.length;
      process.stderr.write(`[pipelines] ${report.files.length} files checked: ${errors.length} error(s), ${warnings} warning(s)\n`);
      if (errors.length > 0) throw new CliError(`${errors.length} problem(s) in the pipeline files`, ExitCode.failed);
    });
  pipelines
    .command('schema')
    .description(
      "Download this organisation's Azure Pipelines JSON schema (its installed tasks included) to a file, for\n" +
        'SHIPYARD_PIPELINE_SCHEMA. Inside a pipeline the URL comes from SYSTEM_COLLECTIONURI and the token from SYSTEM_ACCESSTOKEN.',
    )
    .requiredOption('--out <file>', 'where to write the schema')
    .option('--from <url>', 'schema URL (default: $SYSTEM_COLLECTIONURI_apis/distributedtask/yamlschema)')
    .addHelpText('after', '\nExit codes: 0 written, 2 bad arguments, 3 schema could not be loaded.')
    .action(async (raw: Record<string, unknown>) => {
      const options = z.object({ out: z.string().min(1), from: z.string().min(1).optional() }).parse(raw);
      const collection = process.env.SYSTEM_COLLECTIONURI;
      const from = options.from ?? (collection ? `${collection.replace(/\/?$/, '/')}_apis/distributedtask/yamlschema` : undefined);
      if (!from) throw new CliError('no schema URL: pass --from https://dev.azure.com/<org>/_apis/distributedtask/yamlschema (SYSTEM_COLLECTIONURI in a pipeline)', ExitCode.usage);
      try {
        const text = await readSchemaText(from, process.env);
        compileSchema(text, from); // a sign-in page or a truncated answer fails here, not in the tests that read it
        mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
        writeFileSync(options.out, text);
      } catch (error) {
        if (error instanceof SchemaLoadError) throw new CliError(error.message, ExitCode.environment);
        throw error;
      }
      process.stderr.write(`[pipelines] schema of ${from} written to ${options.out}\n`);
    });
  return pipelines;
}

/** The organisation a schema token may go to: the pipeline's own, else azure-devops.yml's. */
function organisationUrl(): string | undefined {
  if (process.env.SYSTEM_COLLECTIONURI) return process.env.SYSTEM_COLLECTIONURI;
  try {
    const { organization } = loadAzdoConfig();
    return organization ? `https://dev.azure.com/${encodeURIComponent(organization)}/` : undefined;
  } catch {
    return undefined;
  }
}

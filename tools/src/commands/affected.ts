import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { azureOutputLines, warningIssue } from '../affected/azure-output';
import { BaseCommitError } from '../affected/base-commit';
import { computeAffected } from '../affected/compute-affected';
import { isAzurePipelines, readRunContext, type RunContext } from '../affected/pipeline-env';
import { formatReport } from '../affected/report';
import { workspaceRoot } from '../workspace/root';

const Options = z.object({
  base: z.string().min(1).optional(),
  head: z.string().min(1).optional(),
  files: z.array(z.string().min(1)).optional(),
  collectionUri: z.url({ protocol: /^https?$/ }).optional(),
  azure: z.boolean().optional(),
  json: z.boolean().optional(),
  out: z.string().min(1).optional(),
});

export function affectedCommand(): Command {
  return new Command('affected')
    .description(
      'List the deployable apps (Nx projects tagged type:app) and charts (type:chart) that changed since the base commit, and why.\n' +
        'Base commit: --base if given; in a pull request build the merge-base with the target branch; in a branch build the\n' +
        "source commit of this pipeline's last successful run on that branch (Azure DevOps REST API, SYSTEM_ACCESSTOKEN),\n" +
        'falling back to HEAD~1 with a warning; locally the merge-base with nx.json defaultBase plus uncommitted files.',
    )
    .option('--base <rev>', 'compare from this commit instead of deriving it')
    .option('--head <rev>', 'compare up to this commit (default HEAD; locally the working tree)')
    .option('--files <paths...>', 'take these changed files instead of a git diff (comma or space separated)')
    .option('--collection-uri <url>', 'Azure DevOps organisation URL (default SYSTEM_COLLECTIONURI)')
    .option('--azure', 'print Azure Pipelines output variables: appsMatrix, hasApps, apps, chartsMatrix, hasCharts, charts, base, head')
    .option('--json', 'print the result as JSON on stdout')
    .option('--out <file>', 'also write the JSON result to this file (e.g. dist/affected.json)')
    .addHelpText(
      'after',
      '\nThe explanation ("what is affected and why") goes to stderr; --json/--azure output goes to stdout.\n' +
        'Exit codes: 0 done (also when nothing is affected), 2 bad arguments or missing branch, 3 unusable environment.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = Options.parse({ ...raw, files: splitFiles(raw.files as string[] | undefined) });
      const inAzure = isAzurePipelines(process.env);
      const warn = (message: string) =>
        process.stderr.write(options.azure || inAzure ? `${warningIssue(message)}\n` : `warning: ${message}\n`);

      let context: RunContext;
      try {
        context = readRunContext(
          options.collectionUri ? { ...process.env, SYSTEM_COLLECTIONURI: options.collectionUri } : process.env,
        );
      } catch (error) {
        throw new CliError(`cannot tell what kind of run this is: ${(error as Error).message}`, ExitCode.environment);
      }

      // Nx reads files relative to the process's folder; run from the workspace root wherever npx was called.
      process.chdir(workspaceRoot);
      let outcome: Awaited<ReturnType<typeof computeAffected>>;
      try {
        outcome = await computeAffected({
          workspaceRoot,
          context,
          base: options.base,
          head: options.head,
          files: options.files,
          defaultBranch: readDefaultBranch(),
          progress: (line) => process.stderr.write(`[affected] ${line}\n`),
        });
      } catch (error) {
        if (error instanceof BaseCommitError) throw new CliError(error.message, ExitCode.usage);
        throw error;
      }
      for (const warning of outcome.decision.warnings) warn(warning);
      process.stderr.write(formatReport(outcome.decision, outcome.result, outcome.totals));

      const document = {
        base: outcome.decision.base,
        head: outcome.decision.head,
        how: outcome.decision.how,
        because: outcome.decision.because,
        warnings: outcome.decision.warnings,
        changedFiles: outcome.changedFiles,
        lockfile: outcome.lockfile?.kind === 'unknown' ? { compared: false, because: outcome.lockfile.because } : outcome.lockfile ? { compared: true } : null,
        apps: outcome.result.apps,
        charts: outcome.result.charts,
      };
      if (options.out) {
        const file = path.resolve(workspaceRoot, options.out);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
      }
      if (options.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      if (options.azure) {
        const lines = azureOutputLines({
          ...outcome.result,
          base: outcome.decision.base,
          head: outcome.decision.head,
          everything: outcome.changedFiles === null,
        });
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
}

function splitFiles(files: string[] | undefined): string[] | undefined {
  if (!files) return undefined;
  return files
    .flatMap((entry) => entry.split(','))
    .map((file) => file.trim().replace(/^\.\//, ''))
    .filter(Boolean);
}

function readDefaultBranch(): string {
  const nxJson = JSON.parse(readFileSync(path.join(workspaceRoot, 'nx.json'), 'utf8')) as { defaultBase?: string };
  return nxJson.defaultBase ?? 'main';
}

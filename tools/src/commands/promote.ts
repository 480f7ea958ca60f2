import { Command } from 'commander';
import { z } from 'zod';
import { promoteRelease } from '../promote/promote';
import { resolveRegistry } from '../release/registry-access';
import { openRegistries } from '../release/open-registries';
import { caFileOption } from './options/registry-options';
import { parseReleaseRef } from '../release/release-ref';

const log = (line: string) => process.stderr.write(`[promote] ${line}\n`);

const optionsSchema = z.object({
  from: z.string(),
  to: z.string(),
  release: z.string(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
  caFile: z.array(z.string()).optional(),
});

export function promoteCommand(): Command {
  return new Command('promote')
    .description(
      'Copy a release between registries (e.g. into a separate production ACR): every image by digest (no rebuild; between two ACRs with ACR import, server-side, ' +
        'through `az acr import`; otherwise manifest and blobs streamed) and the release manifest itself, ' +
        'then check that the destination holds the same digests. Idempotent: what the destination has is not copied again.',
    )
    .requiredOption('--from <host[:port]>', 'registry holding the release')
    .requiredOption('--to <host[:port]>', 'registry to copy it into')
    .requiredOption('--release <ref>', 'full git sha, env-<env> pointer (in --from) or sha256:<digest>')
    .option('--dry-run', 'say what would be copied, copy nothing')
    .option('--json', 'print the report as JSON')
    .addOption(caFileOption())
    .addHelpText('after', '\nExample:\n  npx shipyard promote --from acrshipyard.azurecr.io --to acrshipyardprod.azurecr.io --release $(git rev-parse HEAD)\n')
    .action(async (raw) => {
      const options = optionsSchema.parse(raw);
      const ref = parseReleaseRef(options.release);
      const from = resolveRegistry(options.from);
      const to = resolveRegistry(options.to);
      const [source, destination] = openRegistries([from, to], options.caFile, log);
      const report = await promoteRelease({ from: source, to: destination, ref, dryRun: Boolean(options.dryRun), log });
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const copied = report.items.filter((item) => item.result === 'copied' || item.result === 'imported').length;
        process.stdout.write(
          `${report.dryRun ? 'would promote' : 'promoted'} release ${report.release.gitSha} (${report.release.digest}) ${report.from} → ${report.to}: ` +
            `${copied} copied, ${report.items.filter((item) => item.result === 'present').length} already there` +
            `${report.dryRun ? '' : ` (${report.stats.manifests} manifests, ${report.stats.blobs} blobs, ${(report.stats.bytes / 1e6).toFixed(1)} MB)`}\n`,
        );
      }
    });
}

import { Command } from 'commander';
import { z } from 'zod';
import { validateRegistry } from '../images/base-images';
import { buildBaseImages } from '../images/base-builder';
import { shipyardCacheDir } from '../images/cache-dir';
import { workspaceRoot } from '../workspace/root';

const progress = (line: string) => process.stderr.write(`[images] ${line}\n`);

const baseOptionsSchema = z.object({
  registry: z.string(),
  debianMirror: z.string().url(),
  refreshRootfs: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

function baseCommand(): Command {
  return new Command('base')
    .description(
      'Build the two base images without pulling anything and push them to a registry: the build stage base ' +
        '(debootstrap Debian 12 minbase + Node from .nvmrc + npm) and the runtime base (scratch + Node + its shared ' +
        'libraries + CA bundle + user 10001). Skips a base whose inputs did not change.',
    )
    .option('--registry <host:port>', 'registry to push the bases to', process.env.SHIPYARD_BASE_REGISTRY?.trim() || '127.0.0.1:5000')
    .option('--debian-mirror <url>', 'Debian mirror for debootstrap', process.env.SHIPYARD_DEBIAN_MIRROR?.trim() || 'http://deb.debian.org/debian')
    .option('--refresh-rootfs', 'debootstrap a fresh rootfs (security updates) instead of the cached one')
    .option('--dry-run', 'say what would be built or pushed, change nothing')
    .option('--json', 'print the outcome per base image as JSON')
    .action(async (raw) => {
      const options = baseOptionsSchema.parse(raw);
      const outcomes = await buildBaseImages({
        workspaceRoot,
        cacheDir: shipyardCacheDir(),
        registry: validateRegistry(options.registry, '--registry'),
        debianMirror: options.debianMirror,
        refreshRootfs: options.refreshRootfs,
        dryRun: options.dryRun,
        log: progress,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
      else for (const o of outcomes) process.stdout.write(`${o.role.padEnd(8)} ${o.action.padEnd(17)} ${o.reference}${o.digest ? `@${o.digest}` : ''}\n`);
    });
}

export function imagesCommand(): Command {
  const images = new Command('images').description(
    'Container images: base images built offline, one hardened image per service (tools/docker/node-service.Dockerfile), pushed by digest.',
  );
  images.addCommand(baseCommand());
  return images;
}

import { Command } from 'commander';
import { z } from 'zod';
import { prepareMachine } from '../local/prepare/prepare';
import { defaultRegistryAddress } from '../local/registry/registry-settings';
import { workspaceRoot } from '../workspace/root';

const optionsSchema = z.object({
  registry: z.string(),
  debianMirror: z.string().url(),
  json: z.boolean().default(false),
});

export function prepareCommand(): Command {
  return new Command('prepare')
    .description(
      'Make this machine ready for the tests and the rehearsal (run by `npm test` before its loopback guard): the local registry, buildx ' +
        'answers, the offline base images are built and pushed to it, the pinned helm is cached. Idempotent; quick when nothing changed.',
    )
    .option('--registry <host:port>', 'loopback address of the local registry', process.env.SHIPYARD_REGISTRY?.trim() || defaultRegistryAddress)
    .option('--debian-mirror <url>', 'Debian mirror for debootstrap', process.env.SHIPYARD_DEBIAN_MIRROR?.trim() || 'http://deb.debian.org/debian')
    .option('--json', 'print the outcome as JSON')
    .action(async (raw) => {
      const options = optionsSchema.parse(raw);
      const outcome = await prepareMachine({ workspaceRoot, registry: options.registry, debianMirror: options.debianMirror, log: (line) => process.stderr.write(`[prepare] ${line}\n`) });
      if (options.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
      else process.stdout.write(`registry ${outcome.registry}; base images ${outcome.bases.map((b) => `${b.role} ${b.action}`).join(', ')}; helm ${outcome.helm}; cluster ${'binaries' in outcome.cluster ? outcome.cluster.binaries : 'unavailable'}\n`);
    });
}

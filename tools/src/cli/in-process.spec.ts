import { execFileSync } from 'node:child_process';
import path from 'node:path';

// commander is ESM-only and jest cannot load it, so the function runs in a Node process of its own
// (through tsx, as the CLI does), which prints what it saw as JSON.
function inProcess(args: string[], echo = false): { code: number; stderr: string; lines: string[]; restored: boolean; exitCode: number } {
  // With echo, each line is written to stderr again from inside onLine, as the rehearsal's progress does.
  const script = `
    const { runShipyardInProcess } = require(${JSON.stringify(path.join(__dirname, 'in-process.ts'))});
    const lines = [];
    const write = process.stdout.write;
    runShipyardInProcess(${JSON.stringify(args)}, (line) => { lines.push(line); if (${echo}) process.stderr.write('    ' + line + '\\n'); }).then((result) => {
      const restored = process.stdout.write === write;
      write.call(process.stdout, JSON.stringify({ ...result, lines, restored, exitCode: process.exitCode ?? 0 }));
    });`;
  const out = execFileSync(process.execPath, ['--conditions=@shipyard/source', '--require', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as ReturnType<typeof inProcess>;
}

describe('runShipyardInProcess', () => {
  it('runs a command of the real program, passes its output lines on and restores the streams', () => {
    const result = inProcess(['release', '--help']);
    expect(result.code).toBe(0);
    expect(result.lines.join('\n')).toMatch(/create \[options\]/);
    expect(result.restored).toBe(true);
  });

  it('lets onLine write to the captured streams itself (no line is captured twice)', () => {
    const result = inProcess(['release', 'create'], true);
    expect(result.code).toBe(2);
    expect(result.lines.filter((line) => line.includes("required option '--sha <sha>' not specified"))).toHaveLength(1);
  });

  it('gives the exit code the CLI would, and the stderr text, for a usage error', () => {
    const result = inProcess(['release', 'create']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--sha <sha>' not specified");
    expect(result.exitCode).toBe(0);
  });
});

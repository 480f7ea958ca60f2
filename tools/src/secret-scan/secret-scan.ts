import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export interface SecretFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

const secretlintJson = z.array(
  z.object({
    filePath: z.string(),
    messages: z.array(
      z.object({
        ruleId: z.string(),
        message: z.string(),
        loc: z.object({ start: z.object({ line: z.number(), column: z.number() }) }),
      }),
    ),
  }),
);

// Lock files hold integrity hashes that look like keys to every scanner; they are written by npm, never by hand.
const NEVER_SCANNED = new Set(['package-lock.json']);

/**
 * Runs secretlint (the workspace's pinned copy and .secretlintrc.json) over the given files,
 * in batches so huge repositories do not exceed the argument limit.
 */
export function scanForSecrets(cwd: string, files: string[]): SecretFinding[] {
  const bin = path.join(cwd, 'node_modules', '.bin', 'secretlint');
  if (!existsSync(bin)) throw new Error(`secretlint is not installed (${bin}); run npm ci`);
  const targets = files.filter((f) => !NEVER_SCANNED.has(path.basename(f)) && existsSync(path.join(cwd, f)));
  const findings: SecretFinding[] = [];
  for (let i = 0; i < targets.length; i += 400) {
    const batch = targets.slice(i, i + 400);
    const run = spawnSync(bin, ['--format', 'json', '--no-color', '--maskSecrets', ...batch], {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    // secretlint exits 1 when it finds something; anything else with no JSON is a broken run.
    if (run.status !== 0 && run.status !== 1) {
      throw new Error(`secretlint failed (exit ${run.status}): ${run.stderr || run.stdout}`);
    }
    const results = secretlintJson.parse(JSON.parse(run.stdout || '[]'));
    for (const result of results) {
      for (const m of result.messages) {
        findings.push({
          file: path.relative(cwd, path.resolve(cwd, result.filePath)),
          line: m.loc.start.line,
          column: m.loc.start.column,
          rule: m.ruleId,
          message: m.message,
        });
      }
    }
  }
  return findings;
}

import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { CliError, ExitCode } from './errors';

/**
 * The JSON files one pipeline step writes and a later one reads (images.json, charts.json,
 * affected.json): unreadable JSON and a shape that does not fit are usage errors naming the
 * file, said the same way for each. `what` names the file's role ("charts file").
 */
export function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`${what} ${file} is not JSON: ${(error as Error).message}`, ExitCode.usage);
  }
}

/** `data` checked against `schema`; every issue listed, one per line. */
export function parseStepFile<T>(schema: z.ZodType<T>, data: unknown, what: string, file: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new CliError(`${what} ${file} is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`, ExitCode.usage);
  return parsed.data;
}

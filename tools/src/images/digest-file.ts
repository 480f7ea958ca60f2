import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { parseStepFile, readJsonFile } from '../cli/step-files';

/**
 * dist/images.json: what was pushed, by app — the one schema its writer (`images push`) and its
 * readers (charts, deploy, release) share. Deploy and promotion steps read `reference`
 * (repository@digest), so they deploy exactly the bytes that were tested, whatever a tag
 * points to by then.
 */
const imageRecordSchema = z
  .object({
    repository: z.string().min(1),
    tag: z.string().min(1),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256: followed by 64 lowercase hex characters'),
    reference: z.string().min(1),
  })
  .refine((image) => image.reference === `${image.repository}@${image.digest}`, { message: 'reference must be <repository>@<digest>', path: ['reference'] });
export type ImageRecord = z.infer<typeof imageRecordSchema>;

const digestFileSchema = z.record(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected a kebab-case app name'), imageRecordSchema);
export type DigestFile = z.infer<typeof digestFileSchema>;

export function imageRecord(repository: string, tag: string, digest: string): ImageRecord {
  return imageRecordSchema.parse({ repository, tag, digest, reference: `${repository}@${digest}` });
}

/** Existing records for other apps stay; the apps just pushed replace theirs. Keys sorted for stable diffs. */
export function mergeDigestFile(existing: unknown, updates: DigestFile): DigestFile {
  const parsed = digestFileSchema.safeParse(existing ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
    throw new CliError(`the digest file is not valid (${problems}); fix or delete it`, ExitCode.usage);
  }
  const merged = { ...parsed.data, ...digestFileSchema.parse(updates) };
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

/** Reads a digest file an earlier step wrote: a missing, unreadable or invalid file is a usage error. */
export function readDigestFile(file: string): DigestFile {
  if (!fs.existsSync(file)) throw new CliError(`digest file ${file} does not exist (the image step writes it: shipyard images …)`, ExitCode.usage);
  return parseStepFile(digestFileSchema, readJsonFile(file, 'digest file'), 'digest file', file);
}

/** The image of one service from the digest file, or a usage error naming the services it has. */
export function imageFor(digests: DigestFile, service: string, file: string): ImageRecord {
  const image = digests[service];
  if (!image) throw new CliError(`digest file ${file} has no image for ${service} (it has: ${Object.keys(digests).join(', ') || 'none'})`, ExitCode.usage);
  return image;
}

/**
 * Merges `updates` into the file under an exclusive lock file (parallel pushes from several
 * Nx tasks must not lose each other's entries) and replaces it atomically.
 */
export async function updateDigestFile(file: string, updates: DigestFile): Promise<DigestFile> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new CliError(`${lock} is held by another process for over 30 s; remove it if that process is gone`, ExitCode.environment);
      await sleep(100);
    }
  }
  try {
    const existing = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as unknown) : {};
    const merged = mergeDigestFile(existing, updates);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(merged, null, 2)}\n`);
    fs.renameSync(temporary, file);
    return merged;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

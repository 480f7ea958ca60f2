import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { CliError, ExitCode } from '../cli/errors';
import { serviceValuesKey } from './layout';

const digestPattern = /^sha256:[a-f0-9]{64}$/;

/** One entry of the image step's digest file (dist/images.json). */
export const imageRecord = z
  .object({
    repository: z.string().min(1),
    tag: z.string().min(1),
    digest: z.string().regex(digestPattern, 'must be sha256: followed by 64 lowercase hex characters'),
    reference: z.string().min(1),
  })
  .refine((image) => image.reference === `${image.repository}@${image.digest}`, { message: 'reference must be <repository>@<digest>', path: ['reference'] });
export type ImageRecord = z.infer<typeof imageRecord>;

export const digestFile = z.record(z.string(), imageRecord);
export type DigestFile = z.infer<typeof digestFile>;

export function readDigestFile(file: string): DigestFile {
  if (!existsSync(file)) throw new CliError(`digest file ${file} does not exist (the image step writes it: shipyard images …)`, ExitCode.usage);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`digest file ${file} is not JSON: ${(error as Error).message}`, ExitCode.usage);
  }
  const parsed = digestFile.safeParse(data);
  if (!parsed.success) {
    throw new CliError(`digest file ${file} is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`, ExitCode.usage);
  }
  return parsed.data;
}

/** The image of one service from the digest file, or a usage error naming the services it has. */
export function imageFor(digests: DigestFile, service: string, file: string): ImageRecord {
  const image = digests[service];
  if (!image) throw new CliError(`digest file ${file} has no image for ${service} (it has: ${Object.keys(digests).join(', ') || 'none'})`, ExitCode.usage);
  return image;
}

/** helm --set arguments that make a service chart reference exactly that image by digest. */
export function imageSetArgs(image: ImageRecord): string[] {
  const key = `${serviceValuesKey}.image`;
  return ['--set-string', `${key}.repository=${image.repository}`, '--set-string', `${key}.tag=${image.tag}`, '--set-string', `${key}.digest=${image.digest}`];
}

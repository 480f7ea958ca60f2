import type { ImageRecord } from '../images/digest-file';

export type { DigestFile, ImageRecord } from '../images/digest-file';

/** helm --set arguments that make the chart reference exactly that image by digest. */
export function imageSetArgs(image: ImageRecord): string[] {
  return ['--set-string', `image.repository=${image.repository}`, '--set-string', `image.tag=${image.tag}`, '--set-string', `image.digest=${image.digest}`];
}

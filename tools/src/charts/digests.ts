import type { ImageRecord } from '../images/digest-file';
import { serviceValuesKey } from './layout';

export type { DigestFile, ImageRecord } from '../images/digest-file';

/** helm --set arguments that make a service chart reference exactly that image by digest. */
export function imageSetArgs(image: ImageRecord): string[] {
  const key = `${serviceValuesKey}.image`;
  return ['--set-string', `${key}.repository=${image.repository}`, '--set-string', `${key}.tag=${image.tag}`, '--set-string', `${key}.digest=${image.digest}`];
}

import { gunzipSync } from 'node:zlib';
import { z } from 'zod';

/**
 * The Application Insights ingestion contract as far as this endpoint checks it: each item is an
 * envelope with a name, a time, an instrumentation key and data.baseType/baseData. Items that
 * fail are reported per index, as the real service does.
 */
const envelopeSchema = z.object({
  name: z.string().min(1),
  time: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'expected an ISO date'),
  iKey: z.string().min(1),
  tags: z.record(z.string(), z.unknown()).optional(),
  data: z.object({
    baseType: z.string().min(1),
    baseData: z.record(z.string(), z.unknown()),
  }),
});
export type Envelope = z.infer<typeof envelopeSchema> & Record<string, unknown>;

export interface ItemError {
  index: number;
  statusCode: number;
  message: string;
}

export interface TrackResult {
  /** HTTP status: 200 all accepted, 206 some, 400 none (or unreadable body). */
  status: number;
  accepted: Envelope[];
  body: { itemsReceived: number; itemsAccepted: number; appId: null; errors: ItemError[] };
}

export class MalformedBodyError extends Error {}

/** A gzip body that inflates beyond the limit (a decompression bomb): answered 413. */
export class InflatedTooLargeError extends Error {}

/**
 * Decodes a POST body: gzip or plain; a JSON array, one JSON object, or newline-delimited JSON.
 * Inflation stops at maxBytes, so a small gzip cannot make the endpoint allocate gigabytes.
 */
export function decodeBody(raw: Buffer, contentEncoding: string | undefined, maxBytes: number): unknown[] {
  let bytes = raw;
  const gzipMagic = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  if (gzipMagic || /gzip/i.test(contentEncoding ?? '')) {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new InflatedTooLargeError(`body inflates beyond ${maxBytes} bytes`);
      }
      throw new MalformedBodyError(`body is not valid gzip: ${(error as Error).message}`);
    }
  }
  const text = bytes.toString('utf8').trim();
  if (!text) throw new MalformedBodyError('body is empty');
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    // Not one JSON document: the browser SDK may send one envelope per line.
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim());
  try {
    return lines.map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    throw new MalformedBodyError(`body is neither a JSON array nor newline-delimited JSON: ${(error as Error).message}`);
  }
}

/**
 * Validates decoded items and builds the answer the real ingestion service would give. With
 * `instrumentationKey`, an item for any other key is refused, as Azure refuses an unknown key.
 */
export function acceptItems(items: unknown[], instrumentationKey?: string): TrackResult {
  const accepted: Envelope[] = [];
  const errors: ItemError[] = [];
  items.forEach((item, index) => {
    const parsed = envelopeSchema.safeParse(item);
    if (parsed.success && instrumentationKey !== undefined && parsed.data.iKey.toLowerCase() !== instrumentationKey.toLowerCase()) {
      errors.push({ index, statusCode: 400, message: 'iKey: not the instrumentation key this endpoint was started with' });
    } else if (parsed.success) accepted.push(item as Envelope);
    else {
      const issue = parsed.error.issues[0];
      errors.push({ index, statusCode: 400, message: `${issue.path.join('.') || 'item'}: ${issue.message}` });
    }
  });
  const status = errors.length === 0 ? 200 : accepted.length > 0 ? 206 : 400;
  return { status, accepted, body: { itemsReceived: items.length, itemsAccepted: accepted.length, appId: null, errors } };
}

export function malformedResult(message: string): TrackResult {
  return {
    status: 400,
    accepted: [],
    body: { itemsReceived: 0, itemsAccepted: 0, appId: null, errors: [{ index: 0, statusCode: 400, message }] },
  };
}

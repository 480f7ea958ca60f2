import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const requestIdHeader = 'x-request-id';

// Ids end up in logs and response headers: accept only short, inert tokens (no spaces, quotes
// or newlines), so a client cannot forge log lines or inject header content.
const acceptableId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

// W3C Trace Context: version-traceid-parentid-flags, lower-case hex.
const traceparentFormat = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const allZeros = /^0+$/;

/** The trace id of a valid `traceparent` header, or undefined. */
export function traceIdFromTraceparent(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = traceparentFormat.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, , future] = match;
  // Version ff is forbidden; version 00 has no trailing fields; all-zero ids are invalid.
  if (version === 'ff' || (version === '00' && future !== undefined)) return undefined;
  if (allZeros.test(traceId) || allZeros.test(parentId)) return undefined;
  return traceId;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

/**
 * The id that ties a request's log lines together: the caller's `x-request-id` when it is a sane
 * token, else the trace id of its `traceparent` (so logs join the distributed trace), else a new UUID.
 */
export function resolveRequestId(headers: IncomingHttpHeaders): string {
  const incoming = single(headers[requestIdHeader])?.trim();
  if (incoming !== undefined && acceptableId.test(incoming)) return incoming;
  return traceIdFromTraceparent(single(headers['traceparent'])) ?? randomUUID();
}

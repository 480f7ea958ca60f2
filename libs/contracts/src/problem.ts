import { z } from 'zod';

/** One bad input: `field` is a path like "items[2].quantity", or "body"/"query" for the whole input. */
export const fieldErrorSchema = z.strictObject({
  field: z.string().min(1),
  message: z.string().min(1),
});
export type FieldError = z.infer<typeof fieldErrorSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * RFC 9457 problem details, plus this project's extensions: `requestId` (the id in the logs)
 * and `errors` listing each bad field. The one problem shape: service-kit writes it, clients and
 * the storefront page (a JSDoc import) read it. Loose on purpose: the RFC allows extension
 * members, and a client must not break when a server adds one.
 */
export const problemDetailsSchema = z.looseObject({
  type: z.string().default('about:blank'),
  title: z.string(),
  status: z.int().min(100).max(599),
  detail: z.string().optional(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(fieldErrorSchema).optional(),
});
export type ProblemDetails = z.infer<typeof problemDetailsSchema>;

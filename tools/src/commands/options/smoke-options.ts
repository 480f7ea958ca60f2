import { z } from 'zod';
import { registryOptionFields } from './registry-option-fields';

/** smoke's options after commander: numbers arrive as strings and are checked here. */
export const smokeOptionsSchema = z.object({
  env: z.string(),
  baseUrl: z.string().optional(),
  url: z.array(z.string()).default([]),
  healthUrl: z.array(z.string()).default([]),
  attempts: z.coerce.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'),
  interval: z.coerce.number().min(0, 'must be 0 or more').max(120, 'must be at most 120'),
  requestTimeout: z.coerce.number().positive('must be more than 0').max(120, 'must be at most 120'),
  portForward: z.boolean(),
  namespace: z.string(),
  rollbackOnFailure: z.boolean().optional(),
  timeout: z.string(),
  json: z.boolean().optional(),
  ...registryOptionFields,
});

import { z } from 'zod';

/**
 * What withRegistryOptions (registry-options.ts) parses to, for spreading into a command's zod
 * schema. Kept free of commander so settings modules that use it stay loadable in unit tests.
 */
export const registryOptionFields = { registry: z.string().optional(), caFile: z.array(z.string()).optional() };

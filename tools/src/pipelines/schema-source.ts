import { existsSync } from 'node:fs';
import path from 'node:path';

export type SchemaSource = { kind: 'given'; location: string; from: string } | { kind: 'none'; why: string };

/** Where the shared copy of Microsoft's schema sits next to the workspace on this project's CI machines. */
export const SHARED_SCHEMA = path.join('..', 'shared', 'azure-pipelines', 'service-schema.json');

/**
 * --schema wins, then SHIPYARD_PIPELINE_SCHEMA, then the shared copy beside the workspace when
 * it exists. "none" skips the schema on purpose. A schema that was asked for must load; only an
 * absent default is skipped, with a warning.
 */
export function chooseSchema(option: string | undefined, env: NodeJS.ProcessEnv, workspaceRoot: string): SchemaSource {
  const asked = option ?? env.SHIPYARD_PIPELINE_SCHEMA;
  const from = option ? '--schema' : 'SHIPYARD_PIPELINE_SCHEMA';
  if (asked?.toLowerCase() === 'none') return { kind: 'none', why: `${from}=none` };
  if (asked) return { kind: 'given', location: /^https?:\/\//.test(asked) ? asked : path.resolve(workspaceRoot, asked), from };
  const shared = path.resolve(workspaceRoot, SHARED_SCHEMA);
  if (existsSync(shared)) return { kind: 'given', location: shared, from: 'default' };
  return { kind: 'none', why: `no --schema, no SHIPYARD_PIPELINE_SCHEMA and no ${SHARED_SCHEMA}` };
}

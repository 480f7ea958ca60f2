import { existsSync } from 'node:fs';
import { workspaceRoot } from '../../workspace/root';
import { chooseSchema } from '../schema-source';

/**
 * The Azure Pipelines JSON schema as a local file (SHIPYARD_PIPELINE_SCHEMA, else
 * ../shared/azure-pipelines/service-schema.json). Tests never fetch it. The schema is
 * Microsoft's data and is not part of this repository: on a developer's machine without it the
 * schema-dependent tests are skipped with a warning (download your organisation's
 * `_apis/distributedtask/yamlschema` once — `npx shipyard pipelines schema --out <file>` — and
 * point SHIPYARD_PIPELINE_SCHEMA at it); in CI (CI=true, or TF_BUILD in Azure Pipelines, whose
 * verify job downloads the organisation's schema) a missing schema fails the run instead. Only
 * the schema cases use this: the structural checks never need the schema and never skip.
 */
export function localSchemaFile(): string | undefined {
  const source = chooseSchema(undefined, { SHIPYARD_PIPELINE_SCHEMA: process.env.SHIPYARD_PIPELINE_SCHEMA }, workspaceRoot);
  if (source.kind === 'given' && !/^https?:/.test(source.location) && existsSync(source.location)) return source.location;
  const why = `no local Azure Pipelines schema (SHIPYARD_PIPELINE_SCHEMA or ../shared/azure-pipelines/service-schema.json); got ${JSON.stringify(source)}`;
  if (process.env.CI === 'true' || (process.env.TF_BUILD ?? '').toLowerCase() === 'true') throw new Error(`CI must provide the schema: ${why}`);
  console.warn(`skipping the schema-dependent pipeline tests: ${why}`);
  return undefined;
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runShipyard } from '../../testing/run-shipyard';
import { localSchemaFile } from './testing/local-schema';

const shipyard = (args: string[], env: NodeJS.ProcessEnv = {}) => runShipyard(args, { env: { ...process.env, ...env } });

const fixture = (name: string) => path.join('tools', 'src', 'pipelines', 'fixtures', name);

describe('shipyard pipelines validate (the command)', () => {
  it('exits 1 and prints file:line:col for each problem', async () => {
    const result = await shipyard(['pipelines', 'validate', '--root', fixture('dangling-depends-on'), '--schema', 'none']);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'azure-pipelines.yml:13:14 error [depends-on] stage "deploy" depends on "biuld", which is not a stage of this pipeline (stages: build, deploy)',
      'pipelines/stages/deploy.yml:9:20 error [output-reference] job "smoke" in stage "deploy" reads dependencies.deploy.result, but does not list "deploy" in dependsOn',
    ]);
    expect(result.stderr).toContain('warning: schema check skipped (--schema=none)');
    expect(result.stderr).toContain('2 error(s)');
  }, 60_000);

  const schemaFile = localSchemaFile();
  (schemaFile ? it : it.skip)('exits 0 with --json on a valid pipeline, checked against the schema named by SHIPYARD_PIPELINE_SCHEMA', async () => {
    const result = await shipyard(['pipelines', 'validate', '--root', fixture('valid'), '--json'], { SHIPYARD_PIPELINE_SCHEMA: schemaFile });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { diagnostics: unknown[]; schema: string };
    expect(report.diagnostics).toEqual([]);
    expect(report.schema).toMatch(/service-schema\.json$/);
  }, 60_000);

  it('exits 3 when the schema asked for cannot be loaded', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contoso/_apis/distributedtask/yamlschema`;
      const result = await shipyard(['pipelines', 'validate', '--root', fixture('valid'), '--schema', url], { AZURE_DEVOPS_EXT_PAT: '', SYSTEM_ACCESSTOKEN: '' });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`GET ${url} answered 401 (set AZURE_DEVOPS_EXT_PAT or SYSTEM_ACCESSTOKEN)`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);

  it('pipelines schema saves the organisation\'s schema (SYSTEM_COLLECTIONURI, job token) for SHIPYARD_PIPELINE_SCHEMA', async () => {
    const schema = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', definitions: { pipeline: { type: 'object' } } });
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(schema);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-schema-'));
    try {
      const collection = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contoso/`;
      const out = path.join(dir, 'nested', 'schema.json');
      const result = await shipyard(['pipelines', 'schema', '--out', out], { SYSTEM_COLLECTIONURI: collection, SYSTEM_ACCESSTOKEN: 'job-token', AZURE_DEVOPS_EXT_PAT: '' });
      expect(result.code).toBe(0);
      expect(seen).toEqual(['/contoso/_apis/distributedtask/yamlschema Bearer job-token']);
      expect(readFileSync(out, 'utf8')).toBe(schema);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);
});

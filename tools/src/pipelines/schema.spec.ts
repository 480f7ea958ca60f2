import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { compileSchema, readSchemaText, SchemaLoadError } from './schema';
import { chooseSchema } from './schema-source';

/** A miniature of the Azure Pipelines schema's shape: anyOf alternatives, tasks with typed inputs. */
const miniature = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  definitions: {
    pipeline: { type: 'object', properties: { steps: { $ref: '#/definitions/steps' } }, additionalProperties: false },
    stepsTemplate: { type: 'object', properties: { parameters: {}, steps: { $ref: '#/definitions/steps' } }, additionalProperties: false },
    steps: { type: 'array', items: { anyOf: [{ $ref: '#/definitions/script' }, { $ref: '#/definitions/task' }] } },
    script: {
      type: 'object',
      properties: { script: { type: 'string' }, displayName: { type: 'string' }, clean: { anyOf: [{ type: 'string', pattern: '^true$' }, { type: 'string', pattern: '^false$' }] } },
      required: ['script'],
      additionalProperties: false,
    },
    task: {
      type: 'object',
      properties: { task: { anyOf: [{ enum: ['Cache@2'] }, { enum: ['NewTask@2'] }] }, inputs: {}, displayName: { type: 'string' } },
      required: ['task'],
      additionalProperties: false,
      anyOf: [
        {
          properties: {
            task: { pattern: '^Cache@2$' },
            inputs: { type: 'object', properties: { key: { type: 'string' }, enabled: { type: 'boolean' }, retries: { type: 'integer' } }, additionalProperties: false },
          },
        },
      ],
    },
  },
};
const schema = () => compileSchema(JSON.stringify(miniature), 'miniature.json');

describe('compileSchema', () => {
  it('reports the property no alternative knows, with a spelling hint', () => {
    expect(schema().check('pipeline', { steps: [{ script: 'echo', displaName: 'x' }] })).toEqual({
      pointer: '/steps/0/displaName',
      message: '/steps/0: unknown property "displaName" (did you mean "displayName"?)',
    });
  });

  it('reads scalars as Azure does: "true" and "3" fit boolean and integer task inputs', () => {
    expect(schema().check('pipeline', { steps: [{ task: 'Cache@2', inputs: { key: 'k', enabled: 'true', retries: '3' } }] })).toBeNull();
    expect(schema().check('pipeline', { steps: [{ task: 'Cache@2', inputs: { retries: 'three' } }] })?.message).toBe(
      '/steps/0/inputs/retries: expected integer, got "three"',
    );
  });

  it('lists allowed values for an enumerated or patterned scalar', () => {
    expect(schema().check('pipeline', { steps: [{ script: 'echo', clean: 'maybe' }] })?.message).toBe(
      '/steps/0/clean: "maybe" is not allowed here; expected one of: true, false',
    );
  });

  it('accepts tasks the schema names without describing their inputs, and says which', () => {
    const compiled = schema();
    expect(compiled.tasksWithoutInputs).toEqual(['NewTask@2']);
    expect(compiled.check('stepsTemplate', { steps: [{ task: 'NewTask@2', inputs: { anything: 'goes' } }] })).toBeNull();
  });

  it('refuses a file that is not the pipeline schema', () => {
    expect(() => compileSchema('{"definitions": {}}', 'x.json')).toThrow(new SchemaLoadError('x.json does not look like the Azure Pipelines schema (no definitions.pipeline)'));
    expect(() => compileSchema('nope', 'x.json')).toThrow(/x.json is not JSON/);
  });
});

describe('readSchemaText', () => {
  let server: Server;
  let base = '';
  let organisation = '';
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (!req.headers.authorization) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(miniature));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    organisation = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contoso/`;
    base = `${organisation}_apis/distributedtask/yamlschema`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fetches an organisation's schema with a personal access token (Basic) or the job token (Bearer)", async () => {
    expect(JSON.parse(await readSchemaText(base, { AZURE_DEVOPS_EXT_PAT: 'pat' }, organisation))).toEqual(miniature);
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from(':pat').toString('base64')}`);
    await readSchemaText(base, { SYSTEM_ACCESSTOKEN: 'job', SYSTEM_COLLECTIONURI: organisation });
    expect(seen.at(-1)).toBe('Bearer job');
  });

  it('sends no token to a URL outside the organisation', async () => {
    const elsewhere = base.replace('/contoso/', '/contoso-evil/');
    await expect(readSchemaText(elsewhere, { AZURE_DEVOPS_EXT_PAT: 'pat', SYSTEM_ACCESSTOKEN: 'job' }, organisation)).rejects.toThrow(/answered 401/);
    await expect(readSchemaText(base, { AZURE_DEVOPS_EXT_PAT: 'pat' })).rejects.toThrow(/answered 401/);
    await expect(readSchemaText(base.replace('127.0.0.1', 'localhost'), { SYSTEM_ACCESSTOKEN: 'job' }, organisation)).rejects.toThrow(/answered 401/);
    expect(seen.slice(-3)).toEqual([undefined, undefined, undefined]);
  });

  it('refuses a plain http URL off loopback before sending anything', async () => {
    const before = seen.length;
    await expect(readSchemaText('http://dev.azure.com/contoso/_apis/distributedtask/yamlschema', { AZURE_DEVOPS_EXT_PAT: 'pat' }, 'https://dev.azure.com/contoso/')).rejects.toThrow(
      new SchemaLoadError('schema URL "http://dev.azure.com/contoso/_apis/distributedtask/yamlschema" must use https (plain http is accepted for loopback addresses only)'),
    );
    expect(seen.length).toBe(before);
  });

  it('says which credentials are missing when the organisation refuses', async () => {
    await expect(readSchemaText(base, {}, organisation)).rejects.toThrow(`GET ${base} answered 401 (set AZURE_DEVOPS_EXT_PAT or SYSTEM_ACCESSTOKEN)`);
  });

  it('names a schema file that cannot be read', async () => {
    await expect(readSchemaText('/no/such/schema.json', {})).rejects.toThrow('cannot read the schema file /no/such/schema.json: ENOENT');
  });
});

describe('chooseSchema', () => {
  const root = '/repo/main';
  it('prefers --schema, then SHIPYARD_PIPELINE_SCHEMA, resolving files against the workspace', () => {
    expect(chooseSchema('s.json', { SHIPYARD_PIPELINE_SCHEMA: 'other.json' }, root)).toEqual({ kind: 'given', location: path.resolve(root, 's.json'), from: '--schema' });
    expect(chooseSchema(undefined, { SHIPYARD_PIPELINE_SCHEMA: 'https://dev.azure.com/contoso/_apis/distributedtask/yamlschema' }, root)).toEqual({
      kind: 'given',
      location: 'https://dev.azure.com/contoso/_apis/distributedtask/yamlschema',
      from: 'SHIPYARD_PIPELINE_SCHEMA',
    });
  });

  it('"none" skips on purpose; without anything and without the shared copy it skips and says why', () => {
    expect(chooseSchema('none', {}, root)).toEqual({ kind: 'none', why: '--schema=none' });
    expect(chooseSchema(undefined, {}, '/nowhere/repo')).toEqual({
      kind: 'none',
      why: `no --schema, no SHIPYARD_PIPELINE_SCHEMA and no ${path.join('..', 'shared', 'azure-pipelines', 'service-schema.json')}`,
    });
  });
});

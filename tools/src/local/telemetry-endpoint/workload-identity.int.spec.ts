import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '../../workspace/root';
import { loadOrCreateCertificate, type EndpointCertificate } from './certificate';
import { startTelemetryEndpoint, type TelemetryEndpoint } from './server';
import { eventually, startService, type ServiceProcess } from './testing/service-process';

// Application Insights resources with local authentication disabled (Azure Policy) refuse
// instrumentation-key ingestion and take Microsoft Entra ID bearer tokens from an identity with
// the "Monitoring Metrics Publisher" role:
//   https://learn.microsoft.com/en-us/azure/azure-monitor/app/azure-ad-authentication
// On AKS the workload identity webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID,
// AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST into the pod, and the projected service
// account token is exchanged for an Entra token (client credentials with a JWT client assertion):
//   https://azure.github.io/azure-workload-identity/docs/installation/mutating-admission-webhook.html
//   https://learn.microsoft.com/en-us/azure/aks/workload-identity-overview
// Here the authority is a local HTTPS server on loopback (AZURE_AUTHORITY_HOST), and the local
// ingestion endpoint plays a resource with local authentication disabled.

const guard = path.join(workspaceRoot, 'tools', 'testing', 'loopback-guard.cjs');
const tenantId = '11111111-2222-4333-8444-555555555555';
const clientId = '66666666-7777-4888-9999-000000000000';
const federatedToken = 'eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.signature';
const accessToken = 'local-entra-access-token';

interface TokenRequest {
  path: string;
  form: Record<string, string>;
}

/** The slice of a Microsoft Entra authority that a client-credentials exchange touches. */
async function startAuthority(cert: EndpointCertificate): Promise<{ url: string; requests: TokenRequest[]; stop(): Promise<void> }> {
  const requests: TokenRequest[] = [];
  let origin = '';
  const server: Server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
        return json(200, {
          issuer: `${origin}/${tenantId}/v2.0`,
          authorization_endpoint: `${origin}/${tenantId}/oauth2/v2.0/authorize`,
          token_endpoint: `${origin}/${tenantId}/oauth2/v2.0/token`,
          end_session_endpoint: `${origin}/${tenantId}/oauth2/v2.0/logout`,
          jwks_uri: `${origin}/${tenantId}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
        requests.push({ path: url.pathname, form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) });
        return json(200, { token_type: 'Bearer', access_token: accessToken, expires_in: 3600, ext_expires_in: 3600 });
      }
      json(404, { error: `no route ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let dir: string;
let cert: EndpointCertificate;
let endpoint: TelemetryEndpoint;
let authority: Awaited<ReturnType<typeof startAuthority>>;
let guardReport: string;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'telemetry-identity-'));
  guardReport = path.join(dir, 'guard.jsonl');
  writeFileSync(guardReport, '');
  cert = await loadOrCreateCertificate(path.join(dir, 'certs'));
  endpoint = await startTelemetryEndpoint({ port: 0, dataFile: path.join(dir, 'envelopes.jsonl'), key: cert.key, cert: cert.cert, bearerToken: accessToken });
  authority = await startAuthority(cert);
});

afterAll(async () => {
  await Promise.allSettled(started.map((s) => s.stop()));
  await endpoint?.stop();
  await authority?.stop();
  const attempts = readFileSync(guardReport, 'utf8').trim();
  rmSync(dir, { recursive: true, force: true });
  // Token exchange included: nothing left loopback (no instance discovery, no IMDS).
  expect(attempts).toBe('');
});

async function startCatalog(extra: Record<string, string>): Promise<ServiceProcess> {
  const service = await startService(
    'catalog-api',
    {
      APPLICATIONINSIGHTS_CONNECTION_STRING: endpoint.connectionString,
      NODE_EXTRA_CA_CERTS: cert.certPath,
      TELEMETRY_TRACES_PER_SECOND: '0',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      LOG_LEVEL: 'info',
      SHIPYARD_NETGUARD_REPORT: guardReport,
      ...extra,
    },
    { requires: [guard] },
  );
  started.push(service);
  return service;
}

const catalogRequests = () => endpoint.envelopes().filter((e) => e.data.baseType === 'RequestData' && e.tags?.['ai.cloud.role'] === 'catalog-api');

describe('ingestion authentication', () => {
  it('with a workload identity, the exporter sends an Entra bearer token obtained with the federated token', async () => {
    const tokenFile = path.join(dir, 'azure-identity-token');
    writeFileSync(tokenFile, federatedToken);
    const catalog = await startCatalog({
      AZURE_CLIENT_ID: clientId,
      AZURE_TENANT_ID: tenantId,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      AZURE_AUTHORITY_HOST: `${authority.url}/`,
    });
    for (let i = 0; i < 5; i++) await (await fetch(`${catalog.url}/products/house-espresso-beans`)).arrayBuffer();
    // The endpoint accepts nothing but the bearer token: arriving requests prove it was sent.
    await eventually(() => (catalogRequests().length >= 5 ? true : undefined), 20_000, 'catalog-api requests accepted with the bearer token');
    expect(authority.requests[0]).toMatchObject({
      path: `/${tenantId}/oauth2/v2.0/token`,
      form: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion: federatedToken,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        scope: expect.stringContaining('https://monitor.azure.com/'),
      },
    });
    expect(catalog.output()).toContain('ingestion authenticates with the workload identity');
    expect(await catalog.stop()).toBe(0);
  }, 90_000);

  it('without one, it falls back to the instrumentation key and says so (which such a resource refuses)', async () => {
    const before = endpoint.unauthorizedRequests();
    const accepted = catalogRequests().length;
    const catalog = await startCatalog({});
    for (let i = 0; i < 3; i++) await (await fetch(`${catalog.url}/products/house-espresso-beans`)).arrayBuffer();
    await eventually(() => (endpoint.unauthorizedRequests() > before ? true : undefined), 20_000, 'a track request without a bearer token');
    expect(catalogRequests()).toHaveLength(accepted);
    expect(catalog.output()).toContain("no workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE not set): ingestion authenticates with the connection string's instrumentation key");
    expect(await catalog.stop()).toBe(0);
  }, 90_000);
});

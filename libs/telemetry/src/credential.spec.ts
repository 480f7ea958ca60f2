import { WorkloadIdentityCredential } from '@azure/identity';
import { exporterAuth, exporterCredential } from './credential';
import type { PreloadLog } from './preload-log';

// The variables are the ones the AKS workload identity webhook injects:
// https://azure.github.io/azure-workload-identity/docs/installation/mutating-admission-webhook.html
const identity = { AZURE_CLIENT_ID: 'client-1', AZURE_TENANT_ID: 'tenant-1', AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token' };

function recordingLog() {
  const lines: [string, string][] = [];
  const log: PreloadLog = (level, msg) => void lines.push([level, msg]);
  return { log, lines };
}

describe('exporterAuth', () => {
  it('uses the workload identity when the webhook injected all three variables', () => {
    expect(exporterAuth({ ...identity, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/' })).toEqual({
      kind: 'workload-identity',
      clientId: 'client-1',
      tenantId: 'tenant-1',
      tokenFilePath: identity.AZURE_FEDERATED_TOKEN_FILE,
      authorityHost: 'https://login.microsoftonline.com/',
    });
  });

  it('falls back to the instrumentation key, naming what is missing', () => {
    expect(exporterAuth({})).toEqual({ kind: 'instrumentation-key', missing: ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE'] });
    expect(exporterAuth({ ...identity, AZURE_FEDERATED_TOKEN_FILE: ' ' })).toEqual({ kind: 'instrumentation-key', missing: ['AZURE_FEDERATED_TOKEN_FILE'] });
  });
});

describe('exporterCredential', () => {
  it('is a WorkloadIdentityCredential with an identity, and says so', () => {
    const { log, lines } = recordingLog();
    expect(exporterCredential(identity, log)).toBeInstanceOf(WorkloadIdentityCredential);
    expect(lines).toEqual([['info', 'telemetry: ingestion authenticates with the workload identity (Microsoft Entra ID)']]);
  });

  it('is undefined without one, with an info line (laptop) or a warning (half-configured pod)', () => {
    const none = recordingLog();
    expect(exporterCredential({}, none.log)).toBeUndefined();
    expect(none.lines).toEqual([['info', expect.stringContaining("no workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE not set): ingestion authenticates with the connection string's instrumentation key")]]);
    const partial = recordingLog();
    expect(exporterCredential({ AZURE_CLIENT_ID: 'client-1' }, partial.log)).toBeUndefined();
    expect(partial.lines).toEqual([['warn', expect.stringContaining('AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE not set')]]);
  });
});

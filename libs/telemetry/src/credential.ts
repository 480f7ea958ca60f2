import type { TokenCredential } from '@azure/identity';
import type { PreloadLog } from './preload-log';

/**
 * The variables the AKS workload identity webhook injects into a pod whose service account is
 * federated with a managed identity (AZURE_AUTHORITY_HOST comes with them).
 * https://azure.github.io/azure-workload-identity/docs/installation/mutating-admission-webhook.html
 */
export const workloadIdentityVariables = ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE'] as const;

export type ExporterAuth =
  | { kind: 'workload-identity'; tenantId: string; clientId: string; tokenFilePath: string; authorityHost: string | undefined }
  | { kind: 'instrumentation-key'; missing: string[] };

/**
 * Microsoft Entra ID authentication for ingestion when the pod has a workload identity (the
 * resource may have local authentication switched off, and then instrumentation-key ingestion is
 * refused); otherwise the connection string's instrumentation key, as on a laptop.
 * https://learn.microsoft.com/en-us/azure/azure-monitor/app/azure-ad-authentication
 */
export function exporterAuth(env: Record<string, string | undefined>): ExporterAuth {
  const value = (name: string) => env[name]?.trim() || undefined;
  const missing = workloadIdentityVariables.filter((name) => !value(name));
  if (missing.length > 0) return { kind: 'instrumentation-key', missing };
  return {
    kind: 'workload-identity',
    tenantId: value('AZURE_TENANT_ID') as string,
    clientId: value('AZURE_CLIENT_ID') as string,
    tokenFilePath: value('AZURE_FEDERATED_TOKEN_FILE') as string,
    authorityHost: value('AZURE_AUTHORITY_HOST'),
  };
}

/**
 * The credential for the exporter, or undefined (instrumentation key), saying which it is. The
 * identity needs the "Monitoring Metrics Publisher" role on the Application Insights resource.
 */
export function exporterCredential(env: Record<string, string | undefined>, log: PreloadLog): TokenCredential | undefined {
  const auth = exporterAuth(env);
  if (auth.kind === 'instrumentation-key') {
    const partial = auth.missing.length < workloadIdentityVariables.length;
    log(
      partial ? 'warn' : 'info',
      `telemetry: no workload identity (${auth.missing.join(', ')} not set): ingestion authenticates with the connection string's instrumentation key`,
    );
    return undefined;
  }
  // Loaded only with an identity: laptops and tests without one never load it.
  const { WorkloadIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
  log('info', 'telemetry: ingestion authenticates with the workload identity (Microsoft Entra ID)', { clientId: auth.clientId, tenantId: auth.tenantId });
  return new WorkloadIdentityCredential({
    tenantId: auth.tenantId,
    clientId: auth.clientId,
    tokenFilePath: auth.tokenFilePath,
    authorityHost: auth.authorityHost,
    // The authority's metadata is read from the authority itself: no discovery request to
    // login.microsoftonline.com on top (which a sovereign or local authority host would not want).
    disableInstanceDiscovery: true,
  });
}

import { runCommand } from '../process/run-command';

/** ACR login servers in the public and sovereign clouds: <name>.azurecr.io, .azurecr.cn, .azurecr.us. */
const ACR_LOGIN_SERVER = /^([a-z0-9]{5,50})\.azurecr\.(?:io|cn|us)$/i;

/** The registry resource name of an ACR login server, or null for any other registry. */
export function acrName(registry: string): string | null {
  return ACR_LOGIN_SERVER.exec(registry)?.[1]?.toLowerCase() ?? null;
}

/**
 * How images move between two registries. Between two ACRs, ACR imports server-side (the agent
 * moves no layer); otherwise each manifest and blob streams through this process.
 */
export type PromotionMethod = { kind: 'acr-import'; sourceAcr: string; targetAcr: string } | { kind: 'stream'; why: string };

export function choosePromotionMethod(from: string, to: string): PromotionMethod {
  const sourceAcr = acrName(from);
  const targetAcr = acrName(to);
  if (sourceAcr && targetAcr) return { kind: 'acr-import', sourceAcr, targetAcr };
  const others = [from, to].filter((registry) => !acrName(registry));
  return { kind: 'stream', why: `${others.join(' and ')} ${others.length > 1 ? 'are not' : 'is not an'} Azure Container Registr${others.length > 1 ? 'ies' : 'y'}` };
}

export interface ImportRequest {
  sourceRegistry: string;
  targetAcr: string;
  repository: string;
  digest: string;
  /** Tag given in the target (the git sha, as in the source). */
  tag: string;
}

/**
 * `az acr import` of one image by digest: ACR's importImage, run by the registry service (an
 * index and its platform manifests included), authorised as the signed-in identity (the service
 * connection under AzureCLI@2), which needs importImage on the target (role "Container Registry
 * Data Importer and Data Reader") and pull on the source. --force: the tag is the git sha, so
 * an existing one already names the same content.
 */
export function acrImportArgs(request: ImportRequest): string[] {
  return [
    'acr',
    'import',
    '--name',
    request.targetAcr,
    '--source',
    `${request.sourceRegistry}/${request.repository}@${request.digest}`,
    '--image',
    `${request.repository}:${request.tag}`,
    '--force',
    '--only-show-errors',
  ];
}

export type ImportImage = (request: ImportRequest) => Promise<void>;

/** Runs `az acr import` (the Azure CLI on PATH, signed in). */
export const azAcrImport: ImportImage = async (request) => {
  await runCommand('az', acrImportArgs(request));
};

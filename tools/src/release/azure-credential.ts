import { AzureCliCredential, DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from './registry-access';

export interface ChosenCredential {
  credential: TokenCredential;
  /** The class, for the log line. */
  kind: 'AzureCliCredential' | 'DefaultAzureCredential';
  why: string;
}

const inPipeline = (env: NodeJS.ProcessEnv) => (env.TF_BUILD ?? '').toLowerCase() === 'true';

/**
 * The Azure identity the SDK calls use. Inside Azure Pipelines the steps run under AzureCLI@2,
 * which signs `az` in as the service connection: AzureCliCredential uses exactly that identity.
 * DefaultAzureCredential would try environment variables, workload identity and the VM's managed
 * identity before the Azure CLI, so on a self-hosted agent VM with a managed identity it picks
 * the VM's identity instead of the service connection's. Outside a pipeline (a person's
 * workstation) DefaultAzureCredential finds their `az login`, azd or IDE sign-in.
 */
export function chooseAzureCredential(env: NodeJS.ProcessEnv = process.env): ChosenCredential {
  if (inPipeline(env)) {
    return { credential: new AzureCliCredential(), kind: 'AzureCliCredential', why: "Azure Pipelines (TF_BUILD): the service connection's identity that AzureCLI@2 signed in" };
  }
  return { credential: new DefaultAzureCredential(), kind: 'DefaultAzureCredential', why: 'outside a pipeline: environment, workload identity, managed identity, then az/azd/IDE sign-in' };
}

/** chooseAzureCredential once per process, with one log line saying which identity source is used. */
let chosen: ChosenCredential | undefined;
export function azureCredential(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`), env: NodeJS.ProcessEnv = process.env): TokenCredential {
  if (!chosen) {
    chosen = chooseAzureCredential(env);
    log(`[azure] credential: ${chosen.kind} (${chosen.why})`);
  }
  return chosen.credential;
}

import { AzureCliCredential, DefaultAzureCredential } from '@azure/identity';
import { chooseAzureCredential } from './azure-credential';

// DefaultAzureCredential tries EnvironmentCredential, WorkloadIdentityCredential and
// ManagedIdentityCredential before AzureCliCredential, so on an agent VM with a managed identity
// it never reaches the service connection that AzureCLI@2 signed in.
// https://learn.microsoft.com/en-us/javascript/api/overview/azure/identity-readme#defaultazurecredential
// https://learn.microsoft.com/en-us/azure/developer/javascript/sdk/authentication/credential-chains
// AzureCLI@2 runs the script signed in as the service connection:
// https://learn.microsoft.com/en-us/azure/devops/pipelines/tasks/reference/azure-cli-v2
describe('chooseAzureCredential', () => {
  it('uses the Azure CLI sign-in (the service connection) inside Azure Pipelines, whatever else the agent has', () => {
    const chosen = chooseAzureCredential({ TF_BUILD: 'True', IDENTITY_ENDPOINT: 'http://169.254.169.254/metadata/identity', AZURE_CLIENT_ID: 'vm-identity' });
    expect(chosen.credential).toBeInstanceOf(AzureCliCredential);
    expect(chosen.kind).toBe('AzureCliCredential');
    expect(chosen.why).toContain('service connection');
  });

  it("uses the default chain for a person's own machine", () => {
    const chosen = chooseAzureCredential({});
    expect(chosen.credential).toBeInstanceOf(DefaultAzureCredential);
    expect(chosen.kind).toBe('DefaultAzureCredential');
  });
});

#!/usr/bin/env bash
# Creates, for one environment, what azure-pipelines.yml, pipelines/variables/<env>.yml and the
# charts assume in Azure and in the cluster. Run it top to bottom, once per environment (dev
# first: it creates the registry dev and staging share); every step creates or updates, so a
# second run converges instead of failing.
#
#   tools/azure/setup.sh dev|staging|prod
#
# Names come from pipelines/variables/<env>.yml (resource group, registry, cluster, namespace,
# Application Insights) and charts/storefront/values-<env>.yaml (ingress host); nothing is
# repeated here. Environment:
#   SHIPYARD_LOCATION          Azure region (default westeurope)
#   SHIPYARD_SC_ISSUER         issuer and subject of the service connection's workload identity
#   SHIPYARD_SC_SUBJECT        federation, as Azure DevOps shows them when you create the
#                              "Azure Resource Manager, workload identity federation (manual)"
#                              connection named like serviceConnection in the variables file
#   SHIPYARD_TLS_PFX           optional: the storefront's certificate (PFX) for Key Vault; without
#                              it Key Vault issues a self-signed one (replace it before going live)
# Needs: az (signed in to the subscription), kubectl and kubelogin.
set -euo pipefail

env_name="${1:-}"
case "$env_name" in
  dev | staging | prod) ;;
  *)
    echo "usage: $0 dev|staging|prod" >&2
    exit 2
    ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
variables="$root/pipelines/variables/$env_name.yml"
storefront_values="$root/charts/storefront/values-$env_name.yaml"
location="${SHIPYARD_LOCATION:-westeurope}"
: "${SHIPYARD_SC_ISSUER:?set SHIPYARD_SC_ISSUER to the issuer Azure DevOps shows for the service connection}"
: "${SHIPYARD_SC_SUBJECT:?set SHIPYARD_SC_SUBJECT to the subject identifier Azure DevOps shows for the service connection}"

# One `name: value` of the flat variables file (quotes and trailing comments dropped).
variable() {
  local value
  value="$(sed -n "s/^  $1: *//p" "$variables" | sed -e 's/ *#.*$//' -e "s/^'\(.*\)'$/\1/" -e 's/^"\(.*\)"$/\1/')"
  printf '%s' "$value"
}

resource_group="$(variable resourceGroup)"
acr="$(variable acrName)"
cluster="$(variable aksCluster)"
namespace="$(variable SHIPYARD_NAMESPACE)"
app_insights="$(variable appInsightsName)"
service_connection="$(variable serviceConnection)"
promote_from_acr="$(variable promoteFromAcrName)"
workspace="log-${app_insights#appi-}"
key_vault="kv-${cluster#aks-}"
deploy_identity="id-${service_connection#sc-}"
apps=(catalog-api checkout-api storefront)
tls_host="$(sed -n '/^ingress:/,/^[^ ]/s/^  host: *//p' "$storefront_values")"

step() { printf '\n== %s\n' "$*" >&2; }

step "resource group $resource_group ($location)"
az group create --name "$resource_group" --location "$location" --output none

step "registry $acr"
# dev and staging share one registry (created with dev); prod has its own.
if ! az acr show --name "$acr" --output none 2>/dev/null; then
  az acr create --resource-group "$resource_group" --name "$acr" --sku Standard --output none
fi
acr_id="$(az acr show --name "$acr" --query id --output tsv)"

step "Application Insights $app_insights (workspace-based, local authentication disabled)"
az extension add --name application-insights --upgrade --only-show-errors
az monitor log-analytics workspace create --resource-group "$resource_group" --workspace-name "$workspace" --location "$location" --output none
workspace_id="$(az monitor log-analytics workspace show --resource-group "$resource_group" --workspace-name "$workspace" --query id --output tsv)"
az monitor app-insights component create --resource-group "$resource_group" --app "$app_insights" --location "$location" --workspace "$workspace_id" --output none
app_insights_id="$(az monitor app-insights component show --resource-group "$resource_group" --app "$app_insights" --query id --output tsv)"
# Instrumentation-key ingestion refused: services send with their workload identity (Entra ID).
az resource update --ids "$app_insights_id" --set properties.DisableLocalAuth=true --output none
connection_string="$(az monitor app-insights component show --resource-group "$resource_group" --app "$app_insights" --query connectionString --output tsv)"

step "AKS cluster $cluster (Entra ID + Azure RBAC, workload identity, application routing)"
if ! az aks show --resource-group "$resource_group" --name "$cluster" --output none 2>/dev/null; then
  az aks create --resource-group "$resource_group" --name "$cluster" --location "$location" \
    --attach-acr "$acr_id" --enable-oidc-issuer --enable-workload-identity \
    --enable-aad --enable-azure-rbac --disable-local-accounts \
    --network-plugin azure --network-policy azure --enable-app-routing \
    --zones 1 2 3 --node-count 3 --generate-ssh-keys --output none
fi
# An existing cluster gets the same features (each command is a no-op when already on).
az aks update --resource-group "$resource_group" --name "$cluster" --enable-oidc-issuer --enable-workload-identity --output none
if [ "$(az aks show --resource-group "$resource_group" --name "$cluster" --query 'ingressProfile.webAppRouting.enabled' --output tsv)" != "true" ]; then
  az aks approuting enable --resource-group "$resource_group" --name "$cluster"
fi
cluster_id="$(az aks show --resource-group "$resource_group" --name "$cluster" --query id --output tsv)"
oidc_issuer="$(az aks show --resource-group "$resource_group" --name "$cluster" --query oidcIssuerProfile.issuerUrl --output tsv)"

step "Key Vault $key_vault and the storefront's TLS certificate (app routing's Key Vault integration)"
if ! az keyvault show --name "$key_vault" --output none 2>/dev/null; then
  az keyvault create --resource-group "$resource_group" --name "$key_vault" --location "$location" --enable-rbac-authorization true --output none
fi
key_vault_id="$(az keyvault show --name "$key_vault" --query id --output tsv)"
# So that this script may write the certificate (RBAC vaults grant nothing to their creator).
signed_in="$(az ad signed-in-user show --query id --output tsv)"
az role assignment create --assignee-object-id "$signed_in" --assignee-principal-type User --role "Key Vault Certificates Officer" --scope "$key_vault_id" --output none
if [ -n "${SHIPYARD_TLS_PFX:-}" ]; then
  az keyvault certificate import --vault-name "$key_vault" --name storefront-tls --file "$SHIPYARD_TLS_PFX" --output none
elif ! az keyvault certificate show --vault-name "$key_vault" --name storefront-tls --output none 2>/dev/null; then
  policy="$(az keyvault certificate get-default-policy | sed "s/CN=CLIGetDefaultPolicy/CN=${tls_host:-storefront}/")"
  az keyvault certificate create --vault-name "$key_vault" --name storefront-tls --policy "$policy" --output none
fi
# App routing reads the certificate with its own identity and syncs it into the Secret
# keyvault-<ingress name> for Ingresses annotated kubernetes.azure.com/tls-cert-keyvault-uri.
az aks approuting update --resource-group "$resource_group" --name "$cluster" --enable-kv --attach-kv "$key_vault_id"
certificate_uri="$(az keyvault certificate show --vault-name "$key_vault" --name storefront-tls --query id --output tsv)"
certificate_uri="${certificate_uri%/*}" # unversioned: app routing follows renewals

step "deploy identity $deploy_identity for service connection $service_connection (workload identity federation, no secret)"
az identity create --resource-group "$resource_group" --name "$deploy_identity" --output none
deploy_principal="$(az identity show --resource-group "$resource_group" --name "$deploy_identity" --query principalId --output tsv)"
az identity federated-credential create --resource-group "$resource_group" --identity-name "$deploy_identity" --name azure-devops \
  --issuer "$SHIPYARD_SC_ISSUER" --subject "$SHIPYARD_SC_SUBJECT" --audiences api://AzureADTokenExchange --output none
grant() { # role, scope
  az role assignment create --assignee-object-id "$deploy_principal" --assignee-principal-type ServicePrincipal --role "$1" --scope "$2" --output none
}
grant AcrPush "$acr_id"
if [ -n "$promote_from_acr" ]; then
  # shipyard promote: ACR import from the build registry into this one, server-side.
  grant AcrPull "$(az acr show --name "$promote_from_acr" --query id --output tsv)"
  grant "Container Registry Data Importer and Data Reader" "$acr_id"
fi
grant "Azure Kubernetes Service Cluster User Role" "$cluster_id"
# Namespace only: shipyard deploy never touches cluster-scoped objects (no --create-namespace).
grant "Azure Kubernetes Service RBAC Writer" "$cluster_id/namespaces/$namespace"
grant "Application Insights Component Contributor" "$app_insights_id" # shipyard annotate

step "one workload identity per service, allowed to publish telemetry"
client_ids=()
for app in "${apps[@]}"; do
  identity="id-${cluster#aks-}-$app"
  az identity create --resource-group "$resource_group" --name "$identity" --output none
  az identity federated-credential create --resource-group "$resource_group" --identity-name "$identity" --name "$cluster" \
    --issuer "$oidc_issuer" --subject "system:serviceaccount:$namespace:$app" --audiences api://AzureADTokenExchange --output none
  principal="$(az identity show --resource-group "$resource_group" --name "$identity" --query principalId --output tsv)"
  az role assignment create --assignee-object-id "$principal" --assignee-principal-type ServicePrincipal --role "Monitoring Metrics Publisher" --scope "$app_insights_id" --output none
  client_ids+=("$app=$(az identity show --resource-group "$resource_group" --name "$identity" --query clientId --output tsv)")
done

step "namespace $namespace with Pod Security Standards \"restricted\" enforced"
az aks get-credentials --resource-group "$resource_group" --name "$cluster" --overwrite-existing
kubelogin convert-kubeconfig -l azurecli
kubectl apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $namespace
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit: restricted
EOF

step "Secret appinsights-connection (charts/environments/$env_name.yaml telemetry.connectionStringSecret)"
# Only the resource's address: with local auth disabled the key alone ingests nothing; the pods
# authenticate with their workload identity.
kubectl --namespace "$namespace" create secret generic appinsights-connection \
  --from-literal=connection-string="$connection_string" --dry-run=client --output yaml | kubectl apply -f -

step "values for the repository ($env_name)"
cat <<EOF
charts/environments/$env_name.yaml:
  clusterResourceId: $cluster_id
charts/<app>/values-$env_name.yaml (serviceAccount.workloadIdentity: { enabled: true, clientId: … }):
$(printf '  %s\n' "${client_ids[@]}")
charts/storefront/values-$env_name.yaml (TLS from Key Vault through app routing):
  ingress.annotations: { kubernetes.azure.com/tls-cert-keyvault-uri: $certificate_uri }
  ingress.tls.secretName: keyvault-storefront
Service connection $service_connection: client id $(az identity show --resource-group "$resource_group" --name "$deploy_identity" --query clientId --output tsv), tenant $(az account show --query tenantId --output tsv), subscription $(az account show --query id --output tsv)
EOF

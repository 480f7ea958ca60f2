import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const script = path.join(__dirname, 'setup.sh');

/**
 * Fake az, kubectl and kubelogin first on PATH: each records its arguments (kubectl also its
 * stdin) as one JSON line and answers like a fresh subscription: `show` without --query says
 * "not found" (exit 3), so every create runs; queries answer with a recognisable value.
 */
const fakeTool = `#!/usr/bin/env bash
set -euo pipefail
stdin=""
if [ "$(basename "$0")" = kubectl ] && [ "\${1:-}" = apply ]; then stdin="$(cat)"; fi
node -e 'const [tool, stdin, ...args] = process.argv.slice(1); require("fs").appendFileSync(process.env.FAKE_LOG, JSON.stringify({ tool, args, stdin }) + "\\n")' "$(basename "$0")" "$stdin" "$@"
[ "$(basename "$0")" = az ] || exit 0
query=""; prev=""; for arg in "$@"; do [ "$prev" = --query ] && query="$arg"; prev="$arg"; done
case " $* " in
  *" get-default-policy "*) echo '{"x509CertificateProperties":{"subject":"CN=CLIGetDefaultPolicy"}}'; exit 0 ;;
  *" show "*) [ -n "$query" ] || exit 3 ;;
esac
case "$query" in
  "") ;;
  id) echo "/fake/$1/$(echo " $* " | sed -n 's/.* --\\(name\\|app\\|workspace-name\\|vault-name\\) \\([^ ]*\\).*/\\2/p')" ;;
  ingressProfile.webAppRouting.enabled) echo false ;;
  connectionString) echo "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope.in.applicationinsights.azure.com/" ;;
  *) echo "fake-$query" ;;
esac
`;

interface Call {
  tool: string;
  args: string[];
  stdin: string;
}

function runSetup(environment: string, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-setup-'));
  try {
    for (const tool of ['az', 'kubectl', 'kubelogin']) {
      writeFileSync(path.join(dir, tool), fakeTool);
      chmodSync(path.join(dir, tool), 0o755);
    }
    const log = path.join(dir, 'calls.jsonl');
    writeFileSync(log, '');
    const result = spawnSync('bash', [script, environment], {
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        HOME: dir,
        FAKE_LOG: log,
        SHIPYARD_SC_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
        SHIPYARD_SC_SUBJECT: '/eid1/c/pub/t/tenant/a/app/sc/org/connection',
        ...env,
      },
    });
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Call);
    return { ...result, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const option = (call: Call, name: string) => call.args[call.args.indexOf(name) + 1];
const azCalls = (calls: Call[], ...verb: string[]) => calls.filter((call) => call.tool === 'az' && verb.every((word, index) => call.args[index] === word));

describe('tools/azure/setup.sh (dry run against fake az/kubectl)', () => {
  // Application routing add-on and its Key Vault integration (Ingress annotation
  // kubernetes.azure.com/tls-cert-keyvault-uri, Secret keyvault-<ingress name>):
  // https://learn.microsoft.com/en-us/azure/aks/app-routing
  // https://learn.microsoft.com/en-us/azure/aks/app-routing-dns-ssl
  // Workload identity federation: https://learn.microsoft.com/en-us/azure/aks/workload-identity-deploy-cluster
  // Service connection with workload identity (manual): https://learn.microsoft.com/en-us/azure/devops/pipelines/release/configure-workload-identity
  // App Insights with local auth disabled, Monitoring Metrics Publisher: https://learn.microsoft.com/en-us/azure/azure-monitor/app/azure-ad-authentication
  // Pod Security Standards labels: https://kubernetes.io/docs/concepts/security/pod-security-admission/
  it('prod: the resources, identities, role assignments and namespace the pipeline and charts assume', () => {
    const { status, stderr, stdout, calls } = runSetup('prod');
    expect(stderr).not.toContain('command not found');
    expect(status).toBe(0);

    const create = azCalls(calls, 'aks', 'create')[0] as Call;
    expect(create.args).toEqual(expect.arrayContaining(['--enable-app-routing', '--enable-workload-identity', '--enable-oidc-issuer', '--enable-azure-rbac', '--attach-acr']));
    expect(option(create, '--name')).toBe('aks-shipyard-prod');
    expect(option(create, '--attach-acr')).toBe('/fake/acr/acrshipyardprod');

    expect(azCalls(calls, 'resource', 'update')[0]?.args).toEqual(['resource', 'update', '--ids', '/fake/monitor/appi-shipyard-prod', '--set', 'properties.DisableLocalAuth=true', '--output', 'none']);
    const kv = azCalls(calls, 'aks', 'approuting', 'update')[0] as Call;
    expect(kv.args).toEqual(expect.arrayContaining(['--enable-kv', '--attach-kv', '/fake/keyvault/kv-shipyard-prod']));
    expect(azCalls(calls, 'keyvault', 'certificate', 'create')).toHaveLength(1);

    const roles = azCalls(calls, 'role', 'assignment', 'create').map((call) => `${option(call, '--role')} @ ${option(call, '--scope')} for ${option(call, '--assignee-object-id')}`);
    expect(roles).toEqual([
      'Key Vault Certificates Officer @ /fake/keyvault/kv-shipyard-prod for /fake/ad/', // the signed-in user
      'AcrPush @ /fake/acr/acrshipyardprod for fake-principalId',
      'AcrPull @ /fake/acr/acrshipyard for fake-principalId',
      'Container Registry Data Importer and Data Reader @ /fake/acr/acrshipyardprod for fake-principalId',
      'Azure Kubernetes Service Cluster User Role @ /fake/aks/aks-shipyard-prod for fake-principalId',
      'Azure Kubernetes Service RBAC Writer @ /fake/aks/aks-shipyard-prod/namespaces/shipyard for fake-principalId',
      'Application Insights Component Contributor @ /fake/monitor/appi-shipyard-prod for fake-principalId',
      'Monitoring Metrics Publisher @ /fake/monitor/appi-shipyard-prod for fake-principalId',
      'Monitoring Metrics Publisher @ /fake/monitor/appi-shipyard-prod for fake-principalId',
      'Monitoring Metrics Publisher @ /fake/monitor/appi-shipyard-prod for fake-principalId',
    ]);

    const federated = azCalls(calls, 'identity', 'federated-credential', 'create').map((call) => [option(call, '--identity-name'), option(call, '--issuer'), option(call, '--subject')]);
    expect(federated).toEqual([
      ['id-shipyard-prod', 'https://login.microsoftonline.com/tenant/v2.0', '/eid1/c/pub/t/tenant/a/app/sc/org/connection'],
      ['id-shipyard-prod-catalog-api', 'fake-oidcIssuerProfile.issuerUrl', 'system:serviceaccount:shipyard:catalog-api'],
      ['id-shipyard-prod-checkout-api', 'fake-oidcIssuerProfile.issuerUrl', 'system:serviceaccount:shipyard:checkout-api'],
      ['id-shipyard-prod-storefront', 'fake-oidcIssuerProfile.issuerUrl', 'system:serviceaccount:shipyard:storefront'],
    ]);

    const kubectl = calls.filter((call) => call.tool === 'kubectl');
    expect(kubectl.map((call) => call.args.join(' '))).toEqual([
      'apply -f -',
      '--namespace shipyard create secret generic appinsights-connection --from-literal=connection-string=InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope.in.applicationinsights.azure.com/ --dry-run=client --output yaml',
      'apply -f -',
    ]);
    expect(kubectl[0]?.stdin).toContain('name: shipyard');
    expect(kubectl[0]?.stdin).toContain('pod-security.kubernetes.io/enforce: restricted');
    // The TLS Secret is app routing's (synced from Key Vault), never made by hand.
    expect(calls.filter((call) => call.args.includes('secret')).map((call) => call.args[call.args.indexOf('generic') + 1])).toEqual(['appinsights-connection']);
    expect(stdout).toContain('kubernetes.azure.com/tls-cert-keyvault-uri');
  }, 60_000);

  it('dev: creates the shared registry, grants no promotion roles', () => {
    const { status, calls } = runSetup('dev');
    expect(status).toBe(0);
    expect(azCalls(calls, 'acr', 'create').map((call) => option(call, '--name'))).toEqual(['acrshipyard']);
    const roles = azCalls(calls, 'role', 'assignment', 'create').map((call) => option(call, '--role'));
    expect(roles).not.toContain('Container Registry Data Importer and Data Reader');
    expect(roles).not.toContain('AcrPull');
  }, 60_000);

  it('refuses an unknown environment and a missing service-connection federation', () => {
    expect(runSetup('qa')).toMatchObject({ status: 2, calls: [] });
    const missing = runSetup('dev', { SHIPYARD_SC_ISSUER: '' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('SHIPYARD_SC_ISSUER');
    expect(missing.calls).toEqual([]);
  }, 60_000);

  // ShellCheck from Debian (apt-get install shellcheck). Under CI a missing shellcheck fails.
  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  const inCi = process.env.CI === 'true' || (process.env.TF_BUILD ?? '').toLowerCase() === 'true';
  if (!shellcheck && !inCi) console.warn('skipping the shellcheck of tools/azure/setup.sh: shellcheck is not installed (apt-get install shellcheck)');
  (shellcheck || inCi ? it : it.skip)('passes shellcheck', () => {
    expect(() => execFileSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' })).not.toThrow();
  });
});

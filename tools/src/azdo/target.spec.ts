import { readAzdoCredential, requireAzdoCredential } from './credentials';
import { isRetryable, parseRetryAfter } from './http';
import { identitiesUrlFor, resolveTarget } from './target';

describe('where the commands talk to, and with which token', () => {
  it('takes flags first, then the pipeline variables, then azure-devops.yml', () => {
    const config = { organization: 'contoso', project: 'shipyard' };
    expect(resolveTarget({}, config, {})).toEqual({ collectionUrl: 'https://dev.azure.com/contoso/', project: 'shipyard', identitiesUrl: 'https://vssps.dev.azure.com/contoso/' });
    expect(resolveTarget({}, config, { SYSTEM_COLLECTIONURI: 'https://fabrikam.visualstudio.com', SYSTEM_TEAMPROJECT: 'Ops' })).toEqual({
      collectionUrl: 'https://fabrikam.visualstudio.com/',
      project: 'Ops',
      identitiesUrl: 'https://fabrikam.vssps.visualstudio.com/',
    });
    expect(resolveTarget({ collectionUrl: 'http://127.0.0.1:8080/tfs/Default', project: 'P' }, config, { SHIPYARD_AZDO_IDENTITIES_URL: 'http://127.0.0.1:8081/' }).identitiesUrl).toBe('http://127.0.0.1:8081/');
    expect(identitiesUrlFor('https://ado.contoso.example/tfs/Default/')).toBe('https://ado.contoso.example/tfs/Default/');
  });

  it('refuses plain http beyond loopback, and names what is missing', () => {
    expect(() => resolveTarget({ collectionUrl: 'http://ado.contoso.example/' }, undefined, { SYSTEM_TEAMPROJECT: 'P' })).toThrow(/must use https \(plain http is accepted for loopback addresses only\)/);
    expect(() => resolveTarget({}, undefined, {})).toThrow(/no Azure DevOps organisation: pass --collection-url/);
    expect(() => resolveTarget({ collectionUrl: 'https://dev.azure.com/contoso/' }, undefined, {})).toThrow(/no Azure DevOps project/);
  });

  it('prefers the job token, ignores an unmapped macro, and explains how to provide one', () => {
    expect(readAzdoCredential({ SYSTEM_ACCESSTOKEN: 'job', AZURE_DEVOPS_EXT_PAT: 'pat' })?.authorization).toBe('Bearer job');
    expect(readAzdoCredential({ SYSTEM_ACCESSTOKEN: '$(System.AccessToken)', AZURE_DEVOPS_EXT_PAT: 'pat' })?.source).toBe('AZURE_DEVOPS_EXT_PAT');
    expect(() => requireAzdoCredential({ SYSTEM_ACCESSTOKEN: '$(System.AccessToken)' }, 'workitems')).toThrow(
      /workitems needs an Azure DevOps token \(SYSTEM_ACCESSTOKEN holds the unexpanded macro: the step does not map it\)/,
    );
  });

  it('reads Retry-After as seconds or as a date, and retries only what is safe to repeat', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect([isRetryable(429, false), isRetryable(503, true), isRetryable(503, false), isRetryable(500, true)]).toEqual([true, true, false, false]);
  });
});

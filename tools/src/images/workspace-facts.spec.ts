import { publicSourceUrl } from './workspace-facts';

describe('publicSourceUrl', () => {
  it('removes credentials from https remotes', () => {
    expect(publicSourceUrl(`https://${['build', 's3cr3t-token'].join(':')}@dev.azure.com/org/shipyard/_git/shipyard`)).toBe('https://dev.azure.com/org/shipyard/_git/shipyard');
  });

  it('turns scp-style remotes into ssh URLs', () => {
    expect(publicSourceUrl('git@github.com:acme/shipyard.git')).toBe('ssh://github.com/acme/shipyard.git');
  });

  it('keeps plain URLs and turns local paths into file URLs', () => {
    expect(publicSourceUrl('https://github.com/acme/shipyard/')).toBe('https://github.com/acme/shipyard');
    expect(publicSourceUrl('/srv/git/shipyard')).toBe('file:///srv/git/shipyard');
  });
});

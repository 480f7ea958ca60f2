import { readRunContext, shortBranchName } from './pipeline-env';

const branchBuild = {
  TF_BUILD: 'True',
  BUILD_REASON: 'BatchedCI',
  BUILD_SOURCEBRANCH: 'refs/heads/main',
  SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso',
  SYSTEM_TEAMPROJECT: 'shipyard',
  SYSTEM_DEFINITIONID: '12',
  SYSTEM_ACCESSTOKEN: 'secret-token',
};

describe('readRunContext', () => {
  it('is a local run outside Azure Pipelines, whatever else is set', () => {
    expect(readRunContext({ BUILD_REASON: 'PullRequest' })).toEqual({ kind: 'local' });
  });

  it('reads a pull request build and shortens the target branch', () => {
    expect(
      readRunContext({ TF_BUILD: 'True', BUILD_REASON: 'PullRequest', SYSTEM_PULLREQUEST_TARGETBRANCH: 'refs/heads/main', SYSTEM_PULLREQUEST_PULLREQUESTID: '9' }),
    ).toEqual({ kind: 'pull-request', targetBranch: 'main', pullRequestId: '9' });
  });

  it('reads a branch build with the REST API coordinates, adding the trailing slash to the collection URI', () => {
    expect(readRunContext(branchBuild)).toEqual({
      kind: 'branch',
      branch: 'refs/heads/main',
      api: { collectionUri: 'https://dev.azure.com/contoso/', project: 'shipyard', definitionId: 12, accessToken: 'secret-token' },
    });
  });

  it('treats an unmapped $(System.AccessToken) macro as no token', () => {
    const context = readRunContext({ ...branchBuild, SYSTEM_ACCESSTOKEN: '$(System.AccessToken)' });
    expect(context.kind === 'branch' && context.api.accessToken).toBeUndefined();
  });

  it('names what a branch build is missing', () => {
    expect(() => readRunContext({ TF_BUILD: 'True', BUILD_REASON: 'IndividualCI' })).toThrow(
      'Azure Pipelines run without BUILD_SOURCEBRANCH, SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECT, SYSTEM_DEFINITIONID',
    );
    expect(() => readRunContext({ ...branchBuild, SYSTEM_DEFINITIONID: 'twelve' })).toThrow('SYSTEM_DEFINITIONID must be a positive integer, got "twelve"');
    expect(() => readRunContext({ TF_BUILD: 'True', BUILD_REASON: 'PullRequest' })).toThrow('SYSTEM_PULLREQUEST_TARGETBRANCH is not set');
  });

  it('shortens only refs/heads/ names', () => {
    expect(shortBranchName('refs/heads/release/1.2')).toBe('release/1.2');
    expect(shortBranchName('main')).toBe('main');
  });
});

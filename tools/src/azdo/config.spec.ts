import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { environments } from '../charts/layout';
import { workspaceRoot } from '../workspace/root';
import { desiredChecks } from './checks';
import { defaultConfigFile, loadAzdoConfig, parseAzdoConfig } from './config';

const minimal = (extra = '') => `
organization: contoso
project: shipyard
environments:
  dev: { name: shipyard-dev }
  staging: { name: shipyard-staging }
  prod:
    name: shipyard-prod
${extra}`;

describe('azure-devops.yml', () => {
  it('the repository file is valid and names the environments pipelines/jobs/deploy.yml deploys to', () => {
    const config = loadAzdoConfig(defaultConfigFile);
    const job = parse(readFileSync(path.join(workspaceRoot, 'pipelines/jobs/deploy.yml'), 'utf8')) as { jobs: Array<{ environment?: string }> };
    const template = job.jobs.find((candidate) => candidate.environment)?.environment;
    expect(template).toContain('${{ parameters.environment }}');
    for (const environment of environments) {
      expect(config.environments[environment].name).toBe(template?.replace('${{ parameters.environment }}', environment));
    }
    expect(config.environments.prod.approval?.approvers.length).toBeGreaterThan(0);
    expect(desiredChecks(config.environments.prod, [{ id: 'x', displayName: 'x' }]).map((check) => check.kind)).toEqual(['approval', 'branch-control', 'exclusive-lock']);
  });

  it('fills defaults: exclusive lock on, no approval, no transitions', () => {
    const config = parseAzdoConfig(minimal(), 'test.yml');
    expect(config.environments.dev).toEqual({ name: 'shipyard-dev', description: '', exclusiveLock: true });
    expect(config.workItems).toEqual({ comment: true, linkBuild: true, transitions: {}, maxItems: 50 });
  });

  it('names each problem with its path', () => {
    const bad = minimal(`    approval:
      approvers: [{ id: not-a-guid }]
      minRequired: 3
    branchControl:
      allowedBranches: [main]
workItems:
  transitions:
    qa: { to: Done, from: [Doing] }
`);
    expect(() => parseAzdoConfig(bad, 'test.yml')).toThrow(
      /test.yml is not a valid Azure DevOps configuration:\n(.|\n)*environments.prod.branchControl.allowedBranches.0: must be a full ref such as refs\/heads\/main/,
    );
    expect(() => parseAzdoConfig(bad, 'test.yml')).toThrow(/environments.prod.approval.approvers.0/);
    expect(() => parseAzdoConfig(bad, 'test.yml')).toThrow(/workItems.transitions: Unrecognized key: "qa"/);
    expect(() => parseAzdoConfig(minimal('    approval:\n      approvers: [a@b.example]\n      minRequired: 2\n'), 'test.yml')).toThrow(
      /environments.prod.approval.minRequired: minRequired cannot exceed the number of approvers/,
    );
    expect(() => parseAzdoConfig(minimal().replace('shipyard-staging', 'shipyard-dev'), 'test.yml')).toThrow(/environment name shipyard-dev is used twice/);
    expect(() => parseAzdoConfig(minimal('token: abc\n'), 'test.yml')).toThrow(/\(root\): Unrecognized key: "token"/);
  });
});

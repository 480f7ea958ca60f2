import path from 'node:path';
import { expandItems, expandValue, scopeFor, type ExpandOptions } from './expand';
import { readDeclarations } from './template-parameters';
import { validatePipelines } from './validate';
import { parsePipelineFile, toData, type PNode } from './yaml-tree';

const noTemplates: ExpandOptions['load'] = () => ({ kind: 'missing', message: 'no templates in this test' });

function expand(yaml: string, mode: ExpandOptions['mode'] = 'concrete') {
  const parsed = parsePipelineFile('t.yml', yaml);
  const root = parsed.root as PNode;
  const { declarations } = readDeclarations(root);
  return toData(expandValue(root, scopeFor(declarations, mode), { mode, load: noTemplates, diagnostics: [] })) as Record<string, unknown>;
}

describe('template expansion', () => {
  it('substitutes parameters whole (keeping lists and maps) and inside strings', () => {
    const data = expand(`
parameters:
  - { name: env, type: string, default: dev }
  - { name: tags, type: object, default: [a, b] }
name: deploy-\${{ parameters.env }}
tags: \${{ parameters.tags }}
other: \${{ variables.unknownAtCompileTime }}
`);
    expect(data).toMatchObject({ name: 'deploy-dev', tags: ['a', 'b'], other: '${{ variables.unknownAtCompileTime }}' });
  });

  it('follows if / elseif / else chains when the condition is known', () => {
    const data = expand(`
parameters:
  - { name: env, type: string, default: staging }
steps:
  - \${{ if eq(parameters.env, 'dev') }}:
      - script: dev
  - \${{ elseif eq(parameters.env, 'STAGING') }}:
      - script: staging
  - \${{ else }}:
      - script: other
config:
  \${{ if ne(parameters.env, 'prod') }}:
    debug: true
  \${{ else }}:
    debug: false
`);
    expect(data.steps).toEqual([{ script: 'staging' }]);
    expect(data.config).toEqual({ debug: 'true' });
  });

  it('keeps every branch when the condition depends on runtime variables', () => {
    const data = expand(`
steps:
  - \${{ if eq(variables['Build.Reason'], 'PullRequest') }}:
      - script: pr
  - \${{ else }}:
      - script: main
`);
    expect(data.steps).toEqual([{ script: 'pr' }, { script: 'main' }]);
  });

  it('repeats items for each element of a list or each entry of a map', () => {
    const data = expand(`
parameters:
  - { name: regions, type: object, default: [west, north] }
  - { name: limits, type: object, default: { cpu: '1', memory: 1Gi } }
jobs:
  - \${{ each region in parameters.regions }}:
      - job: deploy_\${{ region }}
limits:
  \${{ each pair in parameters.limits }}:
    \${{ pair.key }}: \${{ pair.value }}
`);
    expect(data.jobs).toEqual([{ job: 'deploy_west' }, { job: 'deploy_north' }]);
    expect(data.limits).toEqual({ cpu: '1', memory: '1Gi' });
  });

  it('splices a stepList parameter into the list it stands in', () => {
    const parsed = parsePipelineFile('t.yml', `
parameters:
  - { name: before, type: stepList, default: [{ script: one }, { script: two }] }
steps:
  - \${{ parameters.before }}
  - script: three
`);
    const root = parsed.root as PNode;
    const steps = (root.kind === 'map' ? root.entries.find((e) => e.key === 'steps')?.value : undefined) as Extract<PNode, { kind: 'seq' }>;
    const items = expandItems(steps, scopeFor(readDeclarations(root).declarations, 'concrete'), { mode: 'concrete', load: noTemplates, diagnostics: [] }, 'steps');
    expect(items.map((item) => toData(item))).toEqual([{ script: 'one' }, { script: 'two' }, { script: 'three' }]);
  });

  it('in placeholder mode a required list parameter becomes an empty list, so the file keeps its shape', () => {
    const data = expand(
      `
parameters:
  - { name: steps, type: stepList }
  - { name: env, type: string }
jobs:
  - job: a
    steps: \${{ parameters.steps }}
    displayName: \${{ parameters.env }}
`,
      'placeholder',
    );
    expect(data.jobs).toEqual([{ job: 'a', steps: [], displayName: '${{ parameters.env }}' }]);
  });

  it('compiles the valid fixture: templates inlined with their parameters, one deploy stage per region', () => {
    const report = validatePipelines({ repositoryRoot: path.join(__dirname, 'fixtures', 'valid') });
    const pipeline = toData(report.pipeline as PNode) as { stages: Array<{ stage: string; dependsOn?: string; jobs: Array<Record<string, unknown>> }> };
    expect(pipeline.stages.map((s) => [s.stage, s.dependsOn])).toEqual([
      ['build', undefined],
      ['deploy_west', 'build'],
      ['deploy_north', 'build'],
    ]);
    const compile = pipeline.stages[0]?.jobs[1] as { steps: unknown[] };
    expect(compile.steps).toEqual([{ script: 'echo compile fast 3', retryCountOnTaskFailure: '3' }, { script: 'echo test' }]);
    expect(pipeline.stages[1]?.jobs[0]).toMatchObject({ environment: 'app-west' });
  });
});

import { parseValueParams, renderOverridesTable, renderValuesTable, serviceValuesProblems, tableEnd, tableStart, valuesDocProblems, withValuesTable } from './values-docs';

const values = `## @section Image
## @param image.repository Repository | with a pipe
## @param image.tag Tag
image:
  repository: web
  tag: ""
## @section Other
## @param env Extra variables
env: {}
## @param replicaCount Replicas
replicaCount: 2
`;

describe('values documentation (## @param lines)', () => {
  it('parses params with their sections', () => {
    expect(parseValueParams(values)).toEqual([
      { key: 'image.repository', description: 'Repository | with a pipe', section: 'Image' },
      { key: 'image.tag', description: 'Tag', section: 'Image' },
      { key: 'env', description: 'Extra variables', section: 'Other' },
      { key: 'replicaCount', description: 'Replicas', section: 'Other' },
    ]);
  });

  it('renders a table per section with defaults from values.yaml', () => {
    expect(renderValuesTable(values)).toBe(
      [
        '### Image',
        '',
        '| Name | Description | Default |',
        '| --- | --- | --- |',
        '| `image.repository` | Repository \\| with a pipe | `"web"` |',
        '| `image.tag` | Tag | `""` |',
        '',
        '### Other',
        '',
        '| Name | Description | Default |',
        '| --- | --- | --- |',
        '| `env` | Extra variables | `{}` |',
        '| `replicaCount` | Replicas | `2` |',
      ].join('\n'),
    );
  });

  it('finds undocumented values and params that document nothing', () => {
    expect(valuesDocProblems(values)).toEqual([]);
    const drifted = values.replace('## @param image.tag Tag\n', '').replace('replicaCount: 2', 'replicas: 2');
    expect(valuesDocProblems(drifted)).toEqual([
      '@param replicaCount documents a value that values.yaml does not have',
      'image.tag has no "## @param image.tag …" line',
      'replicas has no "## @param replicas …" line',
    ]);
  });

  it('replaces only the table between the markers', () => {
    const readme = `# web\n\nintro\n\n${tableStart}\nold\n${tableEnd}\n\nafter\n`;
    expect(withValuesTable(readme, 'NEW')).toBe(`# web\n\nintro\n\n${tableStart}\nNEW\n${tableEnd}\n\nafter\n`);
    expect(() => withValuesTable('# no markers', 'NEW')).toThrow(/no values table markers/);
  });
});

describe('values of a service chart (under the base chart\'s name)', () => {
  const own = 'service:\n  image:\n    repository: orders-api\n  env:\n    A: "1"\n';

  it('accept values the base chart documents, a map documented as a whole included', () => {
    expect(serviceValuesProblems('orders-api/values.yaml', own, values, 'service')).toEqual([]);
  });

  it('find a key outside service: (helm would ignore it) and a value the base chart does not have', () => {
    expect(serviceValuesProblems('orders-api/values.yaml', `replicas: 3\n${own}  image:\n    name: x\n`.replace('  image:\n    repository: orders-api\n', ''), values, 'service')).toEqual([
      'orders-api/values.yaml: replicas is not under "service:" (a service chart\'s values are the base chart\'s, under its name)',
      'orders-api/values.yaml: service.image.name is not a value of the base chart (no "## @param image.name" in its values.yaml)',
    ]);
  });

  it('list what the service chart sets with the base chart\'s descriptions', () => {
    expect(renderOverridesTable(own, values, 'service')).toBe(
      ['| Name | Description | Value |', '| --- | --- | --- |', '| `service.image.repository` | Repository \\| with a pipe | `"orders-api"` |', '| `service.env` | Extra variables | `{"A":"1"}` |'].join('\n'),
    );
  });
});

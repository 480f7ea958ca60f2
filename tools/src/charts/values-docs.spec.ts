import { parseValueParams, renderValuesTable, tableEnd, tableStart, valuesDocProblems, withValuesTable } from './values-docs';

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

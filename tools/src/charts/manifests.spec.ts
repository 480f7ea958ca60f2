import { parseManifests } from './manifests';

describe('parsing helm template output', () => {
  it('keeps each object with the template it came from and skips empty documents', () => {
    const text = ['---', '# Source: web/templates/service.yaml', 'apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', '---', '# Source: web/templates/empty.yaml', '---', '# Source: web/templates/sa.yaml', 'apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: web', ''].join('\n');
    expect(parseManifests(text).map((r) => `${r.source} ${r.object.kind}`)).toEqual(['web/templates/service.yaml Service', 'web/templates/sa.yaml ServiceAccount']);
  });

  it('names the template of invalid YAML or a document that is not a Kubernetes object', () => {
    expect(() => parseManifests('# Source: web/templates/bad.yaml\nkind: [unclosed\n')).toThrow(/web\/templates\/bad.yaml: invalid YAML/);
    expect(() => parseManifests('# Source: web/templates/x.yaml\nfoo: bar\n')).toThrow(/web\/templates\/x.yaml: not a Kubernetes object/);
  });
});

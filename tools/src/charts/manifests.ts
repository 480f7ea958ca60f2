import { parseDocument } from 'yaml';

/** A rendered Kubernetes object, as plain JSON data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderedObject {
  /** Template that produced it, from helm's `# Source:` comment (e.g. catalog-api/templates/deployment.yaml). */
  source: string;
  object: K8sObject;
}

/** A problem one check found in one object. */
export interface Finding {
  check: string;
  /** Kind/name of the object, or the chart when the problem is a missing object. */
  object: string;
  message: string;
}

export function describeObject(object: Pick<K8sObject, 'kind' | 'metadata'>): string {
  return `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;
}

/**
 * Parses `helm template` output (multi-document YAML) into objects. Empty documents are
 * skipped; a YAML error, or a document that is not a Kubernetes object, is an error naming the
 * template it came from.
 */
export function parseManifests(text: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  // helm separates documents with a bare `---` line and opens each with `# Source: <template>`.
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    const source = /^# Source: (\S+)/m.exec(chunk)?.[1] ?? '(unknown template)';
    const document = parseDocument(chunk);
    if (document.errors.length > 0) throw new Error(`${source}: invalid YAML: ${document.errors[0].message}`);
    const data: unknown = document.toJS();
    if (data === null || data === undefined) continue;
    if (!isK8sObject(data)) throw new Error(`${source}: not a Kubernetes object (needs apiVersion, kind and metadata.name)`);
    objects.push({ source, object: data });
  }
  return objects;
}

function isK8sObject(data: unknown): data is K8sObject {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const candidate = data as Record<string, unknown>;
  const metadata = candidate.metadata as Record<string, unknown> | undefined;
  return typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string' && typeof metadata?.name === 'string';
}

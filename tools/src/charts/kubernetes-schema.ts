import path from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { describeObject, type Finding, type K8sObject } from './manifests';

export const schemaCheckIds = {
  schema: 'k8s-schema',
  unknownFields: 'k8s-unknown-fields',
} as const;

/**
 * Validates each object against the Kubernetes OpenAPI schema with kubernetes-models (types,
 * enums, required fields, formats), in a worker thread (see schema-worker.mjs for why).
 */
export async function validateWithKubernetesModels(objects: K8sObject[]): Promise<Finding[]> {
  if (objects.length === 0) return [];
  const results = await new Promise<(string | null)[]>((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'schema-worker.mjs'), { workerData: { objects } });
    worker.once('message', (message: (string | null)[]) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`kubernetes-models worker exited with code ${code}`));
    });
  });
  return results.flatMap((message, index) =>
    message === null ? [] : [{ check: schemaCheckIds.schema, object: describeObject(objects[index]), message }],
  );
}

/**
 * The Kubernetes OpenAPI schema does not forbid unknown fields (the API server drops or rejects
 * them depending on its field validation mode), so neither do the JSON schemas in
 * kubernetes-models. Its TypeScript declarations, generated from the same spec, do list every
 * field: walking each object along those declared types finds fields Kubernetes does not have
 * (a typo such as `readinesProbe`, or a field indented under the wrong parent).
 */
export function findUnknownFields(objects: K8sObject[]): Finding[] {
  const types = declaredTypes(objects.map(({ apiVersion, kind }) => ({ apiVersion, kind })));
  const findings: Finding[] = [];
  for (const object of objects) {
    const declared = types.typeOf(object.apiVersion, object.kind);
    if (!declared) {
      findings.push({ check: schemaCheckIds.unknownFields, object: describeObject(object), message: `kubernetes-models declares no type for ${object.apiVersion} ${object.kind}` });
      continue;
    }
    walk(types.checker, object, declared, '', (fieldPath, owner) =>
      findings.push({ check: schemaCheckIds.unknownFields, object: describeObject(object), message: `${fieldPath}: unknown field (not in ${owner})` }),
    );
  }
  return findings;
}

function modulePathFor(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

interface DeclaredTypes {
  checker: ts.TypeChecker;
  typeOf(apiVersion: string, kind: string): ts.Type | undefined;
}

const programCache = new Map<string, DeclaredTypes>();

/** One TypeScript program holding the declared interface of each kind (cached per set of kinds). */
function declaredTypes(kinds: { apiVersion: string; kind: string }[]): DeclaredTypes {
  const unique = [...new Map(kinds.map((k) => [`${k.apiVersion} ${k.kind}`, k])).values()].sort((a, b) =>
    `${a.apiVersion} ${a.kind}`.localeCompare(`${b.apiVersion} ${b.kind}`),
  );
  const cacheKey = unique.map((k) => `${k.apiVersion} ${k.kind}`).join('|');
  const cached = programCache.get(cacheKey);
  if (cached) return cached;

  const virtualFile = path.join(__dirname, '__kubernetes_kinds__.ts');
  const source = unique
    .map((k, i) => `import type { I${k.kind} as K${i} } from ${JSON.stringify(modulePathFor(k.apiVersion, k.kind))};\nexport type T${i} = K${i};`)
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    noEmit: true,
    skipLibCheck: true,
    strict: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => (file === virtualFile ? source : readFile(file));
  host.fileExists = (file) => file === virtualFile || fileExists(file);
  host.getSourceFile = (file, language, onError, shouldCreate) =>
    file === virtualFile ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, onError, shouldCreate);
  const program = ts.createProgram([virtualFile], options, host);
  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(virtualFile);
  const aliases = new Map<string, ts.Type>();
  const moduleSymbol = sourceFile ? checker.getSymbolAtLocation(sourceFile) : undefined;
  for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
    const index = Number(exported.name.slice(1));
    const type = checker.getDeclaredTypeOfSymbol(exported);
    // An unresolved import (kind unknown to kubernetes-models) shows up as an error type.
    if (!(type.flags & ts.TypeFlags.Any)) aliases.set(`${unique[index].apiVersion} ${unique[index].kind}`, type);
  }
  const declared: DeclaredTypes = { checker, typeOf: (apiVersion, kind) => aliases.get(`${apiVersion} ${kind}`) };
  programCache.set(cacheKey, declared);
  return declared;
}

function objectMembers(type: ts.Type): ts.Type[] {
  const members = type.isUnion() ? type.types : [type];
  return members.filter((member) => (member.flags & ts.TypeFlags.Object) !== 0);
}

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, fieldPath: string, report: (fieldPath: string, owner: string) => void): void {
  if (value === null || value === undefined) return;
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  const candidates = objectMembers(checker.getNonNullableType(type));
  if (Array.isArray(value)) {
    const arrayType = candidates.find((candidate) => checker.isArrayType(candidate));
    if (!arrayType) return; // a type mismatch, which the JSON schema check reports
    const [element] = checker.getTypeArguments(arrayType as ts.TypeReference);
    value.forEach((item, index) => walk(checker, item, element, `${fieldPath}[${index}]`, report));
    return;
  }
  if (typeof value !== 'object') return;
  const shapes = candidates.filter((candidate) => !checker.isArrayType(candidate));
  if (shapes.length === 0) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = fieldPath ? `${fieldPath}.${key}` : key;
    let childType: ts.Type | undefined;
    for (const shape of shapes) {
      const property = shape.getProperty(key);
      if (property) {
        childType = checker.getTypeOfSymbol(property);
        break;
      }
      const index = checker.getIndexInfoOfType(shape, ts.IndexKind.String);
      if (index) {
        childType = index.type;
        break;
      }
    }
    if (!childType) {
      report(childPath, shapes.map((shape) => checker.typeToString(shape)).join(' | '));
      continue;
    }
    walk(checker, child, childType, childPath, report);
  }
}

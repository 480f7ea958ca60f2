import { expressionsIn, hasExpression } from './expressions';
import { diagnostic, get, scalarText, type Diagnostic, type Loc, type PNode } from './yaml-tree';

/** The parameter types Azure Pipelines templates declare. */
export const PARAMETER_TYPES = [
  'string',
  'number',
  'boolean',
  'object',
  'step',
  'stepList',
  'job',
  'jobList',
  'deployment',
  'deploymentList',
  'stage',
  'stageList',
  'container',
  'containerList',
  'environment',
  'filePath',
  'pool',
  'secureFile',
  'serviceConnection',
] as const;

export interface ParameterDeclaration {
  name: string;
  /** 'legacy' for the old `parameters: { name: default }` form, which has no types. */
  type: string;
  default: PNode | undefined;
  values: string[] | undefined;
  loc: Loc;
}

export function readDeclarations(root: PNode | null): { declarations: Map<string, ParameterDeclaration>; diagnostics: Diagnostic[] } {
  const declarations = new Map<string, ParameterDeclaration>();
  const diagnostics: Diagnostic[] = [];
  const node = root ? get(root, 'parameters') : undefined;
  if (!node) return { declarations, diagnostics };
  if (node.kind === 'map') {
    for (const e of node.entries) declarations.set(e.key, { name: e.key, type: 'legacy', default: e.value, values: undefined, loc: e.keyLoc });
    return { declarations, diagnostics };
  }
  if (node.kind !== 'seq') return { declarations, diagnostics };
  for (const item of node.items) {
    const name = scalarText(get(item, 'name'));
    if (!name) {
      diagnostics.push(diagnostic('error', item.loc, 'parameter-declaration', 'a parameter declaration needs a name'));
      continue;
    }
    const typeNode = get(item, 'type');
    const type = scalarText(typeNode) ?? 'string';
    if (!(PARAMETER_TYPES as readonly string[]).includes(type)) {
      diagnostics.push(diagnostic('error', typeNode?.loc ?? item.loc, 'parameter-declaration', `parameter "${name}" has unknown type "${type}" (one of: ${PARAMETER_TYPES.join(', ')})`));
    }
    const valuesNode = get(item, 'values');
    const values = valuesNode?.kind === 'seq' ? valuesNode.items.map((v) => scalarText(v) ?? '') : undefined;
    if (declarations.has(name)) diagnostics.push(diagnostic('error', item.loc, 'parameter-declaration', `parameter "${name}" is declared twice`));
    const declaration: ParameterDeclaration = { name, type, default: get(item, 'default'), values, loc: item.loc };
    declarations.set(name, declaration);
    if (declaration.default) {
      const problem = valueProblem(declaration, declaration.default);
      if (problem) diagnostics.push(diagnostic('error', declaration.default.loc, 'parameter-type', `default of parameter "${name}": ${problem}`));
    }
  }
  return { declarations, diagnostics };
}

/** True when a value still holds a template expression somewhere, so its final type is not known yet. */
export function isUnresolved(node: PNode): boolean {
  switch (node.kind) {
    case 'scalar':
      return typeof node.value === 'string' && hasExpression(node.value);
    case 'seq':
      return node.items.some(isUnresolved);
    case 'map':
      return node.entries.some((e) => hasExpression(e.key) || isUnresolved(e.value));
  }
}

const isMap = (node: PNode) => node.kind === 'map';
const listOfMaps = (node: PNode) => node.kind === 'seq' && node.items.every(isMap);
const describe = (node: PNode) => (node.kind === 'scalar' ? JSON.stringify(node.value) : node.kind === 'map' ? 'a mapping' : 'a sequence');

/** Why a (fully resolved) value does not fit a declaration, or null when it does. */
export function valueProblem(declaration: ParameterDeclaration, value: PNode): string | null {
  if (isUnresolved(value)) return null;
  const { type } = declaration;
  let fits: boolean;
  switch (type) {
    case 'legacy':
    case 'object':
      fits = true;
      break;
    case 'number':
      fits = value.kind === 'scalar' && (typeof value.value === 'number' || (typeof value.value === 'string' && value.value.trim() !== '' && Number.isFinite(Number(value.value))));
      break;
    case 'boolean':
      fits = value.kind === 'scalar' && (typeof value.value === 'boolean' || (typeof value.value === 'string' && /^(true|false)$/i.test(value.value)));
      break;
    case 'step':
    case 'job':
    case 'deployment':
    case 'stage':
      fits = isMap(value);
      break;
    case 'stepList':
    case 'jobList':
    case 'deploymentList':
    case 'stageList':
      fits = listOfMaps(value);
      break;
    case 'container':
      fits = value.kind === 'scalar' || isMap(value);
      break;
    case 'containerList':
      fits = listOfMaps(value);
      break;
    case 'pool':
      fits = value.kind === 'scalar' || isMap(value);
      break;
    default:
      fits = value.kind === 'scalar';
  }
  if (!fits) return `expected a ${type}, got ${describe(value)}`;
  if (declaration.values && value.kind === 'scalar') {
    const text = value.value === null ? '' : (value.text ?? String(value.value));
    if (!declaration.values.includes(text)) return `"${text}" is not one of the allowed values: ${declaration.values.join(', ')}`;
  }
  return null;
}

/**
 * Checks one `- template: …` call: every passed parameter must be declared and fit its
 * declaration; every parameter without a default must be passed.
 */
export function checkCall(
  call: { templateFile: string; parameters: PNode | undefined; loc: Loc },
  declarations: Map<string, ParameterDeclaration>,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const passed = call.parameters?.kind === 'map' ? call.parameters.entries : [];
  if (call.parameters && call.parameters.kind !== 'map' && !(call.parameters.kind === 'scalar' && call.parameters.value === null)) {
    diagnostics.push(diagnostic('error', call.parameters.loc, 'template-parameters', `parameters passed to ${call.templateFile} must be a mapping`));
  }
  const legacy = [...declarations.values()].some((d) => d.type === 'legacy');
  for (const e of passed) {
    if (hasExpression(e.key)) continue;
    const declaration = declarations.get(e.key);
    if (!declaration) {
      if (legacy) continue; // the old untyped form accepts any name
      const known = [...declarations.keys()];
      diagnostics.push(
        diagnostic('error', e.keyLoc, 'undeclared-parameter', `${call.templateFile} declares no parameter "${e.key}" (declared: ${known.length ? known.join(', ') : 'none'})`),
      );
      continue;
    }
    const problem = valueProblem(declaration, e.value);
    if (problem) diagnostics.push(diagnostic('error', e.value.loc, 'parameter-type', `parameter "${e.key}" of ${call.templateFile}: ${problem}`));
  }
  for (const declaration of declarations.values()) {
    if (declaration.default === undefined && !passed.some((e) => e.key === declaration.name)) {
      diagnostics.push(diagnostic('error', call.loc, 'missing-parameter', `${call.templateFile} requires parameter "${declaration.name}" (it has no default)`));
    }
  }
  return diagnostics;
}

/** Template bodies may only read the parameters they declare (eShop's classic slip). */
export function checkReferences(root: PNode, declarations: Map<string, ParameterDeclaration>, referencedIn: (expression: string) => string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  const visitText = (text: string, loc: Loc) => {
    for (const expression of expressionsIn(text)) {
      for (const name of referencedIn(expression)) {
        if (declarations.has(name) || reported.has(`${loc.line}:${name}`)) continue;
        reported.add(`${loc.line}:${name}`);
        diagnostics.push(diagnostic('error', loc, 'undeclared-parameter', `uses parameters.${name}, which this file does not declare`));
      }
    }
  };
  const walk = (node: PNode) => {
    if (node.kind === 'scalar') {
      if (typeof node.value === 'string') visitText(node.value, node.loc);
    } else if (node.kind === 'seq') {
      node.items.forEach(walk);
    } else {
      for (const e of node.entries) {
        if (e.key === 'parameters' && node === root) continue;
        visitText(e.key, e.keyLoc);
        walk(e.value);
      }
    }
  };
  walk(root);
  return diagnostics;
}

import { directiveOf, evaluate, interpolate, UNKNOWN, wholeExpression, type Scope, type Value } from './expressions';
import { checkCall, readDeclarations, type ParameterDeclaration } from './template-parameters';
import { diagnostic, get, scalarText, type Diagnostic, type Loc, type PEntry, type PNode, type ParsedFile } from './yaml-tree';

/** Lists whose items may be `- template: …` references to files holding the same list. */
export const TEMPLATE_LISTS = ['stages', 'jobs', 'steps', 'variables'] as const;

export type LoadResult = { kind: 'file'; file: string; parsed: ParsedFile } | { kind: 'missing'; message: string } | { kind: 'external'; repository: string };

export interface ExpandOptions {
  /**
   * concrete: resolve `template:` references, bind the parameters passed, evaluate conditions —
   * the pipeline as Azure Pipelines compiles it (conditions that depend on variables keep both
   * branches). placeholder: one file on its own, parameters unknown; lists stand in for list
   * parameters so the file's shape can be checked against the schema.
   */
  mode: 'concrete' | 'placeholder';
  load: (reference: string, fromFile: string) => LoadResult;
  diagnostics: Diagnostic[];
  /** Called once per resolved template file. */
  onTemplate?: (file: string) => void;
}

const MAX_DEPTH = 32;

export interface ExpandScope extends Scope {
  /** placeholder mode: what `${{ parameters.x }}` stands for when its value is unknown. */
  placeholders: Map<string, PNode>;
  depth: number;
}

export function scopeFor(declarations: Map<string, ParameterDeclaration>, mode: ExpandOptions['mode'], passed?: Map<string, PNode>): ExpandScope {
  const parameters = new Map<string, Value>();
  const placeholders = new Map<string, PNode>();
  for (const declaration of declarations.values()) {
    const value = passed?.get(declaration.name) ?? declaration.default;
    parameters.set(declaration.name, mode === 'concrete' && value ? value : UNKNOWN);
    const placeholder = declaration.default ?? (declaration.type.endsWith('List') ? { kind: 'seq' as const, items: [], loc: declaration.loc } : undefined);
    if (placeholder) placeholders.set(declaration.name, placeholder);
  }
  if (passed) for (const [name, value] of passed) if (!parameters.has(name)) parameters.set(name, mode === 'concrete' ? value : UNKNOWN);
  return { parameters, locals: new Map(), placeholders, depth: 0 };
}

type Chain = 'taken' | 'open' | 'unknown' | null;

/** Decides whether a directive's body is included, given the if/elseif/else chain so far. */
function branch(directive: NonNullable<ReturnType<typeof directiveOf>>, chain: Chain, scope: ExpandScope, loc: Loc): { include: boolean; chain: Chain } {
  const test = (condition: string): 'true' | 'false' | 'unknown' => {
    const value = evaluate(condition, scope, loc);
    if (value === UNKNOWN) return 'unknown';
    const plain = value.kind === 'scalar' ? value.value : value;
    return plain === null || plain === false || plain === 0 || plain === '' ? 'false' : 'true';
  };
  switch (directive.kind) {
    case 'if': {
      const result = test(directive.condition);
      return { include: result !== 'false', chain: result === 'true' ? 'taken' : result === 'false' ? 'open' : 'unknown' };
    }
    case 'elseif': {
      if (chain === 'taken') return { include: false, chain };
      const result = test(directive.condition);
      if (result === 'true') return { include: true, chain: chain === 'unknown' ? 'unknown' : 'taken' };
      return { include: result === 'unknown', chain: result === 'unknown' ? 'unknown' : chain };
    }
    case 'else':
      return { include: chain !== 'taken', chain: null };
    default:
      return { include: true, chain: null };
  }
}

export function expandValue(node: PNode, scope: ExpandScope, options: ExpandOptions, listKey?: string): PNode {
  if (node.kind === 'scalar') {
    if (typeof node.value !== 'string') return node;
    const expression = wholeExpression(node.value);
    if (expression !== null) {
      const value = evaluate(expression, scope, node.loc);
      if (value !== UNKNOWN) return value;
      if (options.mode === 'placeholder') {
        const placeholder = placeholderFor(expression, scope);
        if (placeholder) return placeholder;
      }
      return node;
    }
    return node.value.includes('${{') ? { ...node, value: interpolate(node.value, scope, node.loc) } : node;
  }
  if (node.kind === 'seq') return { ...node, items: expandItems(node, scope, options, listKey) };
  return { ...node, entries: expandEntries(node.entries, scope, options) };
}

function placeholderFor(expression: string, scope: ExpandScope): PNode | undefined {
  const match = /^parameters(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])$/.exec(expression);
  const name = match ? (match[1] ?? match[2]) : undefined;
  return name ? scope.placeholders.get(name) : undefined;
}

function expandEntries(entries: PEntry[], scope: ExpandScope, options: ExpandOptions): PEntry[] {
  const out: PEntry[] = [];
  let chain: Chain = null;
  for (const e of entries) {
    const directive = directiveOf(e.key);
    if (!directive) {
      chain = null;
      const key = e.key.includes('${{') ? interpolate(e.key, scope, e.keyLoc) : e.key;
      out.push({ key, keyLoc: e.keyLoc, value: expandValue(e.value, scope, options, key) });
      continue;
    }
    if (directive.kind === 'each') {
      chain = null;
      for (const itemScope of eachScopes(directive, scope, options, e.keyLoc)) {
        if (e.value.kind === 'map') out.push(...expandEntries(e.value.entries, itemScope, options));
      }
      continue;
    }
    if (directive.kind === 'insert') {
      const inserted = expandValue(e.value, scope, options);
      if (inserted.kind === 'map') out.push(...inserted.entries);
      continue;
    }
    const decision = branch(directive, chain, scope, e.keyLoc);
    chain = decision.chain;
    if (decision.include && e.value.kind === 'map') out.push(...expandEntries(e.value.entries, scope, options));
  }
  return out;
}

function eachScopes(directive: { variable: string; collection: string }, scope: ExpandScope, options: ExpandOptions, loc: Loc): ExpandScope[] {
  const collection = evaluate(directive.collection, scope, loc);
  const withLocal = (value: Value): ExpandScope => ({ ...scope, locals: new Map([...scope.locals, [directive.variable, value]]) });
  if (collection === UNKNOWN) return options.mode === 'placeholder' ? [withLocal(UNKNOWN)] : [];
  if (collection.kind === 'seq') return collection.items.map(withLocal);
  if (collection.kind === 'map') {
    return collection.entries.map((e) =>
      withLocal({
        kind: 'map',
        loc: e.keyLoc,
        entries: [
          { key: 'key', keyLoc: e.keyLoc, value: { kind: 'scalar', value: e.key, loc: e.keyLoc } },
          { key: 'value', keyLoc: e.keyLoc, value: e.value },
        ],
      }),
    );
  }
  return [];
}

export function expandItems(seq: Extract<PNode, { kind: 'seq' }>, scope: ExpandScope, options: ExpandOptions, listKey?: string): PNode[] {
  const out: PNode[] = [];
  let chain: Chain = null;
  for (const item of seq.items) {
    const only = item.kind === 'map' && item.entries.length === 1 ? item.entries[0] : undefined;
    const directive = only ? directiveOf(only.key) : null;
    if (only && directive) {
      if (directive.kind === 'each') {
        chain = null;
        for (const itemScope of eachScopes(directive, scope, options, only.keyLoc)) out.push(...spliced(only.value, itemScope, options, listKey));
        continue;
      }
      const decision = branch(directive, chain, scope, only.keyLoc);
      chain = decision.chain;
      if (decision.include) out.push(...spliced(only.value, scope, options, listKey));
      continue;
    }
    chain = null;
    if (item.kind === 'scalar' && typeof item.value === 'string' && wholeExpression(item.value) !== null) {
      const value = expandValue(item, scope, options, listKey);
      if (value.kind === 'seq') out.push(...value.items);
      else out.push(value);
      continue;
    }
    if (options.mode === 'concrete' && listKey && (TEMPLATE_LISTS as readonly string[]).includes(listKey) && item.kind === 'map' && get(item, 'template')) {
      out.push(...includeTemplate(item, scope, options, listKey));
      continue;
    }
    out.push(expandValue(item, scope, options, listKey));
  }
  return out;
}

function spliced(value: PNode, scope: ExpandScope, options: ExpandOptions, listKey?: string): PNode[] {
  if (value.kind === 'seq') return expandItems(value, scope, options, listKey);
  return [expandValue(value, scope, options, listKey)];
}

/** Replaces `- template: file` (with its parameters) by the items of that file's list, parameters bound. */
function includeTemplate(item: Extract<PNode, { kind: 'map' }>, scope: ExpandScope, options: ExpandOptions, listKey: string): PNode[] {
  const templateNode = expandValue(get(item, 'template') as PNode, scope, options);
  const reference = scalarText(templateNode);
  if (!reference || reference.includes('${{')) {
    options.diagnostics.push(diagnostic('warning', templateNode.loc, 'template-unresolved', `cannot resolve template path ${JSON.stringify(reference ?? null)} before the run; not checked`));
    return [expandValue(item, scope, options)];
  }
  if (scope.depth >= MAX_DEPTH) {
    options.diagnostics.push(diagnostic('error', templateNode.loc, 'template-depth', `templates nest deeper than ${MAX_DEPTH} levels (does ${reference} include itself?)`));
    return [];
  }
  const loaded = options.load(reference, templateNode.loc.file);
  if (loaded.kind === 'external') return [expandValue(item, scope, options)];
  if (loaded.kind === 'missing') {
    options.diagnostics.push(diagnostic('error', templateNode.loc, 'template-missing', loaded.message));
    return [];
  }
  options.onTemplate?.(loaded.file);
  if (!loaded.parsed.root) return [];
  const { declarations } = readDeclarations(loaded.parsed.root);
  const parametersNode = get(item, 'parameters');
  const passedNode = parametersNode ? expandValue(parametersNode, scope, options) : undefined;
  options.diagnostics.push(...checkCall({ templateFile: loaded.file, parameters: passedNode, loc: templateNode.loc }, declarations));
  const passed = new Map<string, PNode>(passedNode?.kind === 'map' ? passedNode.entries.map((e) => [e.key, e.value]) : []);
  const content = get(loaded.parsed.root, listKey);
  if (!content) {
    options.diagnostics.push(diagnostic('error', templateNode.loc, 'template-kind', `${loaded.file} has no "${listKey}:" list, but it is used as an item of "${listKey}:"`));
    return [];
  }
  if (content.kind !== 'seq') {
    // variables templates may hold a mapping of name → value
    return content.kind === 'map' ? [expandValue(content, { ...scopeFor(declarations, 'concrete', passed), depth: scope.depth + 1 }, options)] : [];
  }
  const inner: ExpandScope = { ...scopeFor(declarations, 'concrete', passed), depth: scope.depth + 1 };
  return expandItems(content, inner, options, listKey);
}

/** The whole pipeline as Azure Pipelines compiles it, starting from the root file. */
export function expandPipeline(root: PNode, options: ExpandOptions): PNode {
  const { declarations } = readDeclarations(root);
  const scope = scopeFor(declarations, options.mode);
  const expanded = expandValue(root, scope, options);
  const extendsNode = get(expanded, 'extends');
  const templateNode = get(extendsNode, 'template');
  if (options.mode !== 'concrete' || !extendsNode || !templateNode || expanded.kind !== 'map') return expanded;
  const reference = scalarText(templateNode);
  if (!reference) return expanded;
  const loaded = options.load(reference, templateNode.loc.file);
  if (loaded.kind === 'missing') {
    options.diagnostics.push(diagnostic('error', templateNode.loc, 'template-missing', loaded.message));
    return expanded;
  }
  if (loaded.kind === 'external' || !loaded.parsed.root) return expanded;
  options.onTemplate?.(loaded.file);
  const templateDeclarations = readDeclarations(loaded.parsed.root).declarations;
  const passedNode = get(extendsNode, 'parameters');
  options.diagnostics.push(...checkCall({ templateFile: loaded.file, parameters: passedNode, loc: templateNode.loc }, templateDeclarations));
  const passed = new Map<string, PNode>(passedNode?.kind === 'map' ? passedNode.entries.map((e) => [e.key, e.value]) : []);
  const body = expandValue(loaded.parsed.root, { ...scopeFor(templateDeclarations, 'concrete', passed), depth: 1 }, options);
  const kept = expanded.entries.filter((e) => e.key !== 'extends');
  const added = body.kind === 'map' ? body.entries.filter((e) => e.key !== 'parameters') : [];
  return { ...expanded, entries: [...kept, ...added] };
}

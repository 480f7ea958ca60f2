import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

/** Where a node was written: file relative to the repository root, 1-based line and column. */
export interface Loc {
  file: string;
  line: number;
  col: number;
}

export type Scalar = string | number | boolean | null;

/**
 * A YAML node that remembers where it was written. Template expansion copies nodes from
 * template files into the caller's tree, so every node keeps pointing at its own file and line.
 */
export type PNode =
  | { kind: 'scalar'; value: Scalar; loc: Loc; /** the source text of a plain number or boolean (1.0 stays "1.0") */ text?: string }
  | { kind: 'map'; entries: PEntry[]; loc: Loc }
  | { kind: 'seq'; items: PNode[]; loc: Loc };

export interface PEntry {
  key: string;
  keyLoc: Loc;
  value: PNode;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  col: number;
  rule: string;
  message: string;
}

export function diagnostic(severity: Diagnostic['severity'], loc: Loc, rule: string, message: string): Diagnostic {
  return { severity, file: loc.file, line: loc.line, col: loc.col, rule, message };
}

export interface ParsedFile {
  file: string;
  root: PNode | null;
  diagnostics: Diagnostic[];
}

/** Parses one pipeline file; syntax errors and YAML features Azure Pipelines rejects become diagnostics. */
export function parsePipelineFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): Loc => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { file, line, col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const error of document.errors) {
    diagnostics.push(diagnostic('error', at(error.pos[0]), 'yaml-syntax', error.message.split('\n')[0] ?? error.message));
  }
  if (diagnostics.length > 0) return { file, root: null, diagnostics };

  const convert = (node: unknown): PNode => {
    if (isAlias(node)) {
      diagnostics.push(diagnostic('error', at(node.range?.[0]), 'yaml-anchor', 'Azure Pipelines does not support YAML anchors and aliases'));
      return { kind: 'scalar', value: null, loc: at(node.range?.[0]) };
    }
    if (isMap(node)) {
      return {
        kind: 'map',
        loc: at(node.range?.[0]),
        entries: node.items.map((pair) => {
          const keyNode = pair.key as YamlNode | null;
          const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
          const keyLoc = at(keyNode?.range?.[0]);
          const value = pair.value === null || pair.value === undefined ? { kind: 'scalar' as const, value: null, loc: keyLoc } : convert(pair.value);
          return { key, keyLoc, value };
        }),
      };
    }
    if (isSeq(node)) return { kind: 'seq', loc: at(node.range?.[0]), items: node.items.map(convert) };
    if (isScalar(node)) {
      if (node.anchor) diagnostics.push(diagnostic('error', at(node.range?.[0]), 'yaml-anchor', 'Azure Pipelines does not support YAML anchors and aliases'));
      const value = node.value;
      const scalar: Scalar = value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : String(value);
      const text = typeof scalar === 'number' || typeof scalar === 'boolean' ? node.source : undefined;
      return text === undefined ? { kind: 'scalar', value: scalar, loc: at(node.range?.[0]) } : { kind: 'scalar', value: scalar, loc: at(node.range?.[0]), text };
    }
    return { kind: 'scalar', value: null, loc: at(0) };
  };
  const root = document.contents === null ? null : convert(document.contents);
  return { file, root, diagnostics };
}

export function get(node: PNode | undefined, key: string): PNode | undefined {
  return node?.kind === 'map' ? node.entries.find((entry) => entry.key === key)?.value : undefined;
}

export function entry(node: PNode | undefined, key: string): PEntry | undefined {
  return node?.kind === 'map' ? node.entries.find((e) => e.key === key) : undefined;
}

export function scalarText(node: PNode | undefined): string | undefined {
  return node?.kind === 'scalar' && node.value !== null ? String(node.value) : undefined;
}

/** Plain data (for JSON schema validation and type checks): scalars as Azure Pipelines reads them, all strings. */
export function toData(node: PNode, onNode?: (pointer: string, loc: Loc) => void, pointer = '', keyLoc?: Loc): unknown {
  // A mapping entry is located at its key: that is the line a reader looks for.
  onNode?.(pointer, keyLoc ?? node.loc);
  switch (node.kind) {
    case 'scalar':
      return node.value === null ? null : (node.text ?? String(node.value));
    case 'seq':
      return node.items.map((item, index) => toData(item, onNode, `${pointer}/${index}`));
    case 'map':
      return Object.fromEntries(node.entries.map((e) => [e.key, toData(e.value, onNode, `${pointer}/${escapePointer(e.key)}`, e.keyLoc)]));
  }
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

import type { Loc, PNode, Scalar } from './yaml-tree';

/** A value compile time cannot know (variables, runtime parameters, functions not modelled here). */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Value = PNode | typeof UNKNOWN;

export interface Scope {
  /** `parameters.<name>` → the value bound for this template instance. */
  parameters: Map<string, Value>;
  /** Loop variables of `${{ each x in … }}`. */
  locals: Map<string, Value>;
}

const WHOLE = /^\$\{\{([\s\S]*)\}\}$/;
const EMBEDDED = /\$\{\{([\s\S]*?)\}\}/g;

/** The expression inside `${{ … }}` when the whole string is one template expression. */
export function wholeExpression(text: string): string | null {
  const match = WHOLE.exec(text.trim());
  return match && !match[1]?.includes('}}') ? (match[1] ?? '').trim() : null;
}

export function hasExpression(text: string): boolean {
  return text.includes('${{');
}

/** Replaces each embedded `${{ … }}` whose value is a known scalar; unknown ones stay as written. */
export function interpolate(text: string, scope: Scope, loc: Loc): string {
  return text.replace(EMBEDDED, (whole, expression: string) => {
    const value = evaluate(expression, scope, loc);
    if (value === UNKNOWN || value.kind !== 'scalar') return whole;
    return value.value === null ? '' : (value.text ?? String(value.value));
  });
}

type Token = { kind: 'string' | 'number' | 'ident' | 'punct'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new Error('unterminated string');
        if (source[i] === "'" && source[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (source[i] === "'") {
          i++;
          break;
        } else {
          text += source[i];
          i++;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: match[0] });
      i += match[0].length;
    } else if ('()[],.'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch });
      i++;
    } else {
      throw new Error(`unexpected "${ch}"`);
    }
  }
  return tokens;
}

type Ast =
  | { kind: 'literal'; value: Scalar }
  | { kind: 'ref'; root: string; path: Array<string | number> }
  | { kind: 'call'; name: string; args: Ast[] };

function parse(source: string): Ast {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const take = (text?: string): Token => {
    const token = tokens[position];
    if (!token || (text !== undefined && token.text !== text)) throw new Error(`expected ${text ?? 'a value'}`);
    position++;
    return token;
  };
  const expression = (): Ast => {
    const token = take();
    if (token.kind === 'string') return { kind: 'literal', value: token.text };
    if (token.kind === 'number') return { kind: 'literal', value: Number(token.text) };
    if (token.kind !== 'ident') throw new Error(`unexpected "${token.text}"`);
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true' };
    if (lower === 'null') return { kind: 'literal', value: null };
    if (peek()?.text === '(') {
      take('(');
      const args: Ast[] = [];
      while (peek()?.text !== ')') {
        args.push(expression());
        if (peek()?.text === ',') take(',');
        else break;
      }
      take(')');
      return { kind: 'call', name: lower, args };
    }
    const path: Array<string | number> = [];
    for (;;) {
      if (peek()?.text === '.') {
        take('.');
        path.push(take().text);
      } else if (peek()?.text === '[') {
        take('[');
        const index = take();
        path.push(index.kind === 'number' ? Number(index.text) : index.text);
        take(']');
      } else break;
    }
    return { kind: 'ref', root: token.text, path };
  };
  const ast = expression();
  if (position !== tokens.length) throw new Error(`unexpected "${tokens[position]?.text}"`);
  return ast;
}

/** Parameter names an expression reads (`parameters.x`, `parameters['x']`), for the undeclared-parameter check. */
export function referencedParameters(expression: string): string[] {
  const names: string[] = [];
  const walk = (ast: Ast) => {
    if (ast.kind === 'ref' && ast.root === 'parameters' && typeof ast.path[0] === 'string') names.push(ast.path[0]);
    if (ast.kind === 'call') ast.args.forEach(walk);
  };
  try {
    walk(parse(expression));
  } catch {
    // Unparseable expressions are reported by Azure Pipelines itself; scan the text instead.
    for (const match of expression.matchAll(/parameters(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g)) names.push((match[1] ?? match[2]) as string);
  }
  return names;
}

/** Every `${{ … }}` inside a string (the whole string, or embedded ones). */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(EMBEDDED)].map((match) => (match[1] ?? '').trim());
}

/** The `if`/`elseif`/`each` directive a mapping key holds, if any. */
export type Directive =
  | { kind: 'if' | 'elseif'; condition: string }
  | { kind: 'else' }
  | { kind: 'each'; variable: string; collection: string }
  | { kind: 'insert' };

export function directiveOf(key: string): Directive | null {
  const inner = wholeExpression(key);
  if (inner === null) return null;
  let match = /^(if|elseif)\s+([\s\S]+)$/.exec(inner);
  if (match) return { kind: match[1] as 'if' | 'elseif', condition: match[2] as string };
  if (inner === 'else') return { kind: 'else' };
  match = /^each\s+([A-Za-z_][\w]*)\s+in\s+([\s\S]+)$/.exec(inner);
  if (match) return { kind: 'each', variable: match[1] as string, collection: match[2] as string };
  if (inner === 'insert') return { kind: 'insert' };
  return null;
}

export function evaluate(expression: string, scope: Scope, loc: Loc): Value {
  let ast: Ast;
  try {
    ast = parse(expression);
  } catch {
    return UNKNOWN;
  }
  return run(ast, scope, loc);
}

const scalarNode = (value: Scalar, loc: Loc): PNode => ({ kind: 'scalar', value, loc });

function run(ast: Ast, scope: Scope, loc: Loc): Value {
  switch (ast.kind) {
    case 'literal':
      return scalarNode(ast.value, loc);
    case 'ref': {
      let current: Value;
      let path = ast.path;
      if (ast.root === 'parameters') {
        const [name, ...rest] = path;
        if (typeof name !== 'string') return UNKNOWN;
        current = scope.parameters.get(name) ?? UNKNOWN;
        path = rest;
      } else if (scope.locals.has(ast.root)) {
        current = scope.locals.get(ast.root) as Value;
      } else {
        return UNKNOWN;
      }
      for (const segment of path) {
        if (current === UNKNOWN) return UNKNOWN;
        if (current.kind === 'map' && typeof segment === 'string') current = current.entries.find((e) => e.key === segment)?.value ?? scalarNode(null, loc);
        else if (current.kind === 'seq' && typeof segment === 'number') current = current.items[segment] ?? scalarNode(null, loc);
        else return UNKNOWN;
      }
      return current;
    }
    case 'call':
      return call(ast.name, ast.args.map((arg) => run(arg, scope, loc)), loc);
  }
}

type Plain = Scalar | PNode;
const plain = (value: PNode): Plain => (value.kind === 'scalar' ? value.value : value);

/** Azure Pipelines' truthiness: false, 0, '', null are false; everything else (objects too) is true. */
function truthy(value: Plain): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  return true;
}

/** eq/ne convert the right side to the left side's type; strings compare ignoring case. */
function equal(left: Plain, right: Plain): boolean {
  if (typeof left === 'boolean') {
    const converted = typeof right === 'string' ? right.toLowerCase() === 'true' ? true : right.toLowerCase() === 'false' ? false : null : typeof right === 'number' ? right !== 0 : right;
    return converted === left;
  }
  if (typeof left === 'number') return Number(right) === left;
  if (typeof left === 'string') return right !== null && typeof right !== 'object' && left.toLowerCase() === String(right).toLowerCase();
  return left === right;
}

function call(name: string, args: Value[], loc: Loc): Value {
  const known = args.every((arg) => arg !== UNKNOWN);
  const values = () => (args as PNode[]).map(plain);
  const bool = (value: boolean) => scalarNode(value, loc);
  switch (name) {
    case 'and': {
      if (args.some((arg) => arg !== UNKNOWN && !truthy(plain(arg)))) return bool(false);
      return known ? bool(true) : UNKNOWN;
    }
    case 'or': {
      if (args.some((arg) => arg !== UNKNOWN && truthy(plain(arg)))) return bool(true);
      return known ? bool(false) : UNKNOWN;
    }
    case 'not':
      return known && args.length === 1 ? bool(!truthy(values()[0] as Plain)) : UNKNOWN;
    case 'eq':
    case 'ne': {
      if (!known || args.length !== 2) return UNKNOWN;
      const [left, right] = values() as [Plain, Plain];
      return bool(equal(left, right) === (name === 'eq'));
    }
    case 'in':
    case 'notin': {
      if (!known || args.length < 1) return UNKNOWN;
      const [needle, ...haystack] = values() as [Plain, ...Plain[]];
      return bool(haystack.some((candidate) => equal(needle, candidate)) === (name === 'in'));
    }
    case 'startswith':
    case 'endswith':
    case 'contains': {
      if (!known || args.length !== 2) return UNKNOWN;
      const [text, part] = values().map((v) => String(v ?? '').toLowerCase()) as [string, string];
      return bool(name === 'startswith' ? text.startsWith(part) : name === 'endswith' ? text.endsWith(part) : text.includes(part));
    }
    case 'coalesce': {
      for (const arg of args) {
        if (arg === UNKNOWN) return UNKNOWN;
        const value = plain(arg);
        if (value !== null && value !== '') return arg;
      }
      return scalarNode(null, loc);
    }
    case 'lower':
    case 'upper': {
      if (!known || args.length !== 1) return UNKNOWN;
      const text = String(values()[0] ?? '');
      return scalarNode(name === 'lower' ? text.toLowerCase() : text.toUpperCase(), loc);
    }
    default:
      return UNKNOWN;
  }
}

import { directiveOf, evaluate, referencedParameters, UNKNOWN, wholeExpression, type Scope, type Value } from './expressions';
import type { PNode } from './yaml-tree';

const loc = { file: 't.yml', line: 1, col: 1 };
const scalar = (value: string | number | boolean | null): PNode => ({ kind: 'scalar', value, loc });
const scope: Scope = {
  parameters: new Map<string, Value>([
    ['env', scalar('prod')],
    ['push', scalar(true)],
    ['replicas', scalar(3)],
    ['empty', scalar('')],
    ['later', UNKNOWN],
  ]),
  locals: new Map(),
};
const value = (expression: string) => {
  const result = evaluate(expression, scope, loc);
  return result === UNKNOWN ? 'unknown' : result.kind === 'scalar' ? result.value : result.kind;
};

describe('template expressions', () => {
  it.each([
    ["eq(parameters.env, 'PROD')", true],
    ["ne(parameters.env, 'prod')", false],
    ["eq(parameters.push, 'true')", true],
    ['eq(parameters.replicas, 3)', true],
    ["and(parameters.push, eq(parameters.env, 'prod'))", true],
    ['or(parameters.empty, false)', false],
    ['not(parameters.empty)', true],
    ["in(parameters.env, 'dev', 'prod')", true],
    ["notIn(parameters.env, 'dev', 'prod')", false],
    ["startsWith(parameters.env, 'pr')", true],
    ["coalesce(parameters.empty, 'fallback')", 'fallback'],
    ["eq(variables['Build.Reason'], 'PullRequest')", 'unknown'],
    ['and(parameters.later, false)', false],
    ['and(parameters.later, true)', 'unknown'],
    ['or(parameters.later, true)', true],
    ["format('{0}', parameters.env)", 'unknown'],
    ["eq('it''s', 'IT''S')", true],
  ])('%s → %p', (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it('recognises whole expressions and directives', () => {
    expect(wholeExpression('${{ parameters.env }}')).toBe('parameters.env');
    expect(wholeExpression('x-${{ parameters.env }}')).toBeNull();
    expect(wholeExpression('${{ a }}-${{ b }}')).toBeNull();
    expect(directiveOf("${{ if eq(parameters.env, 'dev') }}")).toEqual({ kind: 'if', condition: "eq(parameters.env, 'dev')" });
    expect(directiveOf('${{ else }}')).toEqual({ kind: 'else' });
    expect(directiveOf('${{ each r in parameters.regions }}')).toEqual({ kind: 'each', variable: 'r', collection: 'parameters.regions' });
    expect(directiveOf('${{ parameters.key }}')).toBeNull();
  });

  it('lists the parameters an expression reads, even when it cannot be parsed', () => {
    expect(referencedParameters("and(eq(parameters.env, 'dev'), parameters['push'])")).toEqual(['env', 'push']);
    expect(referencedParameters('parameters.a ++ parameters.b')).toEqual(['a', 'b']);
  });
});

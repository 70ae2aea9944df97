/**
 * PaddleFlow's `condition` expressions (reference/paddleflow.md §4.4), evaluated as govaluate does after the
 * templates are substituted: comparison, `&& || !`, arithmetic, regex match (`=~`, `!~`), parentheses, number and
 * quoted string literals, `true`/`false`; every bare identifier is a string literal of its own text (so
 * `{{mode}} == 'train'` works once `{{mode}}` became `train`). Written by hand because no maintained JavaScript
 * library evaluates govaluate's grammar with PaddleFlow's identifier rule; the subset is the one pipelines use.
 */

export type Value = number | string | boolean;

export type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr };

export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

type Token = { kind: 'value'; value: Value } | { kind: 'op'; op: string };

const OPERATORS = [
  '**',
  '&&',
  '||',
  '==',
  '!=',
  '>=',
  '<=',
  '=~',
  '!~',
  '>',
  '<',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '(',
  ')',
];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]*/;
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  for (let rest = source.trimStart(); rest !== ''; rest = rest.trimStart()) {
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const end = rest.indexOf(quote, 1);
      if (end < 0) throw new ConditionError(`unclosed string starting at ${rest.slice(0, 20)}`);
      tokens.push({ kind: 'value', value: rest.slice(1, end) });
      rest = rest.slice(end + 1);
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'value', value: Number(number[0]) });
      rest = rest.slice(number[0].length);
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    if (identifier) {
      const word = identifier[0];
      tokens.push({ kind: 'value', value: word === 'true' ? true : word === 'false' ? false : word });
      rest = rest.slice(word.length);
      continue;
    }
    const op = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (!op) throw new ConditionError(`unexpected character [${rest[0]}]`);
    tokens.push({ kind: 'op', op });
    rest = rest.slice(op.length);
  }
  return tokens;
}

/** Binding power of each binary operator, loosest first (govaluate's precedence). */
const PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '>=': 3,
  '<': 3,
  '<=': 3,
  '=~': 3,
  '!~': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '**': 6,
};

/** Parses an expression; throws ConditionError naming what is wrong. */
export function parseCondition(source: string): Expr {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];

  function primary(): Expr {
    const token = tokens[position++];
    if (!token) throw new ConditionError('expression ends early');
    if (token.kind === 'value') return { kind: 'literal', value: token.value };
    if (token.op === '(') {
      const inner = binary(1);
      const close = tokens[position++];
      if (close?.kind !== 'op' || close.op !== ')') throw new ConditionError('missing )');
      return inner;
    }
    if (token.op === '!' || token.op === '-') return { kind: 'unary', op: token.op, operand: primary() };
    throw new ConditionError(`unexpected operator [${token.op}]`);
  }

  function binary(minimum: number): Expr {
    let left = primary();
    for (;;) {
      const token = peek();
      if (token?.kind !== 'op') break;
      const power = PRECEDENCE[token.op];
      if (power === undefined || power < minimum) break;
      position++;
      // `**` binds to the right; everything else to the left.
      const right = binary(token.op === '**' ? power : power + 1);
      left = { kind: 'binary', op: token.op, left, right };
    }
    return left;
  }

  if (tokens.length === 0) throw new ConditionError('expression is empty');
  const expression = binary(1);
  const extra = peek();
  if (extra) {
    throw new ConditionError(`unexpected ${extra.kind === 'op' ? extra.op : JSON.stringify(extra.value)}`);
  }
  return expression;
}

const typeName = (value: Value) => typeof value;

function numeric(op: string, left: Value, right: Value): [number, number] {
  if (typeof left !== 'number' || typeof right !== 'number') {
    throw new ConditionError(`[${op}] needs numbers, got ${typeName(left)} and ${typeName(right)}`);
  }
  return [left, right];
}

function compare(op: string, left: Value, right: Value): boolean {
  if (typeof left === 'boolean' || typeof right === 'boolean' || typeof left !== typeof right) {
    throw new ConditionError(`[${op}] cannot compare ${typeName(left)} with ${typeName(right)}`);
  }
  if (op === '>') return left > right;
  if (op === '>=') return left >= right;
  if (op === '<') return left < right;
  return left <= right;
}

function logical(op: string, value: Value): boolean {
  if (typeof value !== 'boolean')
    throw new ConditionError(`[${op}] needs true or false, got ${typeName(value)}`);
  return value;
}

export function evaluate(expression: Expr): Value {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'unary': {
      const operand = evaluate(expression.operand);
      if (expression.op === '!') return !logical('!', operand);
      return -numeric('-', 0, operand)[1];
    }
    case 'binary': {
      const { op } = expression;
      if (op === '&&')
        return logical(op, evaluate(expression.left)) && logical(op, evaluate(expression.right));
      if (op === '||')
        return logical(op, evaluate(expression.left)) || logical(op, evaluate(expression.right));
      const left = evaluate(expression.left);
      const right = evaluate(expression.right);
      switch (op) {
        case '==':
          return left === right;
        case '!=':
          return left !== right;
        case '=~':
        case '!~': {
          const matches = new RegExp(String(right)).test(String(left));
          return op === '=~' ? matches : !matches;
        }
        case '+':
          if (typeof left === 'string' || typeof right === 'string') return `${left}${right}`;
          return numeric(op, left, right).reduce((a, b) => a + b);
        case '-':
          return numeric(op, left, right).reduce((a, b) => a - b);
        case '*':
          return numeric(op, left, right).reduce((a, b) => a * b);
        case '/':
          return numeric(op, left, right).reduce((a, b) => a / b);
        case '%':
          return numeric(op, left, right).reduce((a, b) => a % b);
        case '**':
          return numeric(op, left, right).reduce((a, b) => a ** b);
        default:
          return compare(op, left, right);
      }
    }
  }
}

/** Evaluates a substituted condition to true or false; a non-boolean result is an error (the step fails). */
export function evaluateCondition(source: string): boolean {
  const result = evaluate(parseCondition(source));
  if (typeof result !== 'boolean') {
    throw new ConditionError(`condition [${source}] gives ${JSON.stringify(result)}, not true or false`);
  }
  return result;
}

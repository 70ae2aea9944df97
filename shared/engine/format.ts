/**
 * Go's formatting of values, which PaddleFlow users see in env vars, commands and conditions: a float64 in its
 * shortest decimal form without an exponent (`big.Float` 'f' -1), other values as `%v` (a list is `[1 2 3]`).
 */

/** The shortest decimal that reads back as `value`, never in exponent form. */
export function formatGoFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const shortest = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (!match) return shortest;
  const [, sign, lead, fraction = '', exponentText] = match;
  const digits = `${lead}${fraction}`;
  const exponent = Number(exponentText);
  if (exponent >= 0) {
    const whole = digits.padEnd(exponent + 1, '0');
    return `${sign}${whole.slice(0, exponent + 1)}${whole.length > exponent + 1 ? `.${whole.slice(exponent + 1)}` : ''}`;
  }
  return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
}

/** Go's `%v` of a parsed YAML value. */
export function formatGoValue(value: unknown): string {
  if (typeof value === 'number') return formatGoFloat(value);
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`;
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${key}:${formatGoValue((value as Record<string, unknown>)[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/**
 * The pieces of Go's standard library that decide how robfig/cron cuts a crontab up and words its refusals
 * (`strings.Fields`, `strings.TrimSpace`, `strconv.Atoi`, `strconv.Quote`), so Floe splits and refuses the
 * same text the same way.
 */

// unicode.IsSpace: JavaScript's \s has U+FEFF, which Go does not count, and lacks U+0085, which Go does.
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const SPACES = new RegExp(`${GO_SPACE}+`, 'u');
const EDGE_SPACES = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'gu');

export function goFields(text: string): string[] {
  return text.split(SPACES).filter((field) => field !== '');
}

export function goTrimSpace(text: string): string {
  return text.replace(EDGE_SPACES, '');
}

type GoResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_INT64 = (1n << 63n) - 1n;

/** `strconv.Atoi` on a 64-bit platform: an optional sign and decimal digits, nothing else. */
export function strconvAtoi(text: string): GoResult<bigint> {
  const fail = (reason: string): GoResult<bigint> => ({
    ok: false,
    error: `strconv.Atoi: parsing ${strconvQuote(text)}: ${reason}`,
  });
  let digits = text;
  let negative = false;
  if (digits.startsWith('+') || digits.startsWith('-')) {
    negative = digits.startsWith('-');
    digits = digits.slice(1);
  }
  if (digits === '') return fail('invalid syntax');
  let value = 0n;
  // Go reports whichever comes first while scanning: a character that is not a digit, or the overflow.
  for (const char of digits) {
    if (char < '0' || char > '9') return fail('invalid syntax');
    value = value * 10n + BigInt(char.charCodeAt(0) - 48);
    if (value > MAX_UINT64) return fail('value out of range');
  }
  if (value > (negative ? MAX_INT64 + 1n : MAX_INT64)) return fail('value out of range');
  return { ok: true, value: negative ? -value : value };
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** `strconv.Quote`: printable characters as they are, the rest escaped. */
function strconvQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const escaped = ESCAPES[char];
    if (escaped !== undefined) quoted += escaped;
    else if (PRINTABLE.test(char)) quoted += char;
    else {
      const code = char.codePointAt(0)!;
      if (code < 0x80) quoted += `\\x${code.toString(16).padStart(2, '0')}`;
      else if (code < 0x10000) quoted += `\\u${code.toString(16).padStart(4, '0')}`;
      else quoted += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return `${quoted}"`;
}

const utf8 = new TextEncoder();

/** The `time` package's own quoting (durations, locations): every byte outside printable ASCII as `\xNN`. */
export function timeQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of utf8.encode(char)) quoted += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else quoted += char === '"' || char === '\\' ? `\\${char}` : char;
  }
  return `${quoted}"`;
}

/**
 * Go's `time.ParseDuration`, which `@every` hands its argument to: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` or a bare
 * `0`, units ns us µs μs ms s m h, at most 2^63-1 ns. Nanoseconds are bigints because that limit is far past
 * what a JavaScript number holds exactly, and the overflow checks must refuse what Go refuses.
 */
import { timeQuote } from './go-text.ts';

export class GoDurationError extends Error {}

const UNITS = new Map<string, bigint>([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const LIMIT = 1n << 63n;

const isDigit = (char: string | undefined): boolean => char !== undefined && char >= '0' && char <= '9';

/** The duration in nanoseconds (negative allowed, as in Go); throws GoDurationError with Go's message. */
export function parseGoDuration(text: string): bigint {
  const invalid = () => new GoDurationError(`time: invalid duration ${timeQuote(text)}`);
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw invalid();
  let total = 0n;
  while (rest !== '') {
    if (!(rest[0] === '.' || isDigit(rest[0]))) throw invalid();
    let index = 0;
    let whole = 0n;
    for (; isDigit(rest[index]); index++) {
      if (whole > LIMIT / 10n) throw invalid();
      whole = whole * 10n + BigInt(rest.charCodeAt(index) - 48);
      if (whole > LIMIT) throw invalid();
    }
    const before = index > 0;
    rest = rest.slice(index);
    // Go keeps the fraction's digits while they fit and silently drops the precision beyond.
    let fraction = 0n;
    let scale = 1;
    let after = false;
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      let overflow = false;
      for (index = 0; isDigit(rest[index]); index++) {
        if (overflow) continue;
        if (fraction > (LIMIT - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const next = fraction * 10n + BigInt(rest.charCodeAt(index) - 48);
        if (next > LIMIT) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      after = index > 0;
      rest = rest.slice(index);
    }
    if (!before && !after) throw invalid();
    for (index = 0; index < rest.length && rest[index] !== '.' && !isDigit(rest[index]); index++);
    if (index === 0) throw new GoDurationError(`time: missing unit in duration ${timeQuote(text)}`);
    const name = rest.slice(0, index);
    rest = rest.slice(index);
    const unit = UNITS.get(name);
    if (unit === undefined) {
      throw new GoDurationError(`time: unknown unit ${timeQuote(name)} in duration ${timeQuote(text)}`);
    }
    if (whole > LIMIT / unit) throw invalid();
    let value = whole * unit;
    if (fraction > 0n) {
      // Go computes the fraction in float64 (exact to the nanosecond even for hours); so does this.
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > LIMIT) throw invalid();
    }
    total += value;
    if (total > LIMIT) throw invalid();
  }
  if (negative) return -total;
  if (total > LIMIT - 1n) throw invalid();
  return total;
}

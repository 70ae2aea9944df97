import { describe, expect, it } from 'vitest';
import { GoDurationError, parseGoDuration } from '../../../shared/engine/cron/go-duration.ts';

const SECOND = 1_000_000_000n;

describe("Go's time.ParseDuration", () => {
  it.each([
    ['0', 0n],
    ['+0', 0n],
    ['-0', 0n],
    ['2s', 2n * SECOND],
    ['1h30m', 5_400n * SECOND],
    ['1.5h', 5_400n * SECOND],
    ['300ms', 300_000_000n],
    ['2h45m10s', 9_910n * SECOND],
    ['1.s', SECOND],
    ['.5s', SECOND / 2n],
    ['1ns', 1n],
    ['7us', 7_000n],
    ['7µs', 7_000n],
    ['7μs', 7_000n],
    ['1m0.000000001s', 60n * SECOND + 1n],
    ['0.3333333333333333333h', 1_200n * SECOND],
    ['-1.5m', -90n * SECOND],
    ['1s1s', 2n * SECOND],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
    ['2562047h', 2_562_047n * 3_600n * SECOND],
  ])('%s is %s ns', (text, nanoseconds) => {
    expect(parseGoDuration(text)).toBe(nanoseconds);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['-', 'time: invalid duration "-"'],
    ['1', 'time: missing unit in duration "1"'],
    ['00', 'time: missing unit in duration "00"'],
    ['1h1', 'time: missing unit in duration "1h1"'],
    ['Xm', 'time: invalid duration "Xm"'],
    ['ms', 'time: invalid duration "ms"'],
    ['.s', 'time: invalid duration ".s"'],
    [' 1h', 'time: invalid duration " 1h"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1H', 'time: unknown unit "H" in duration "1H"'],
    ['1h ', 'time: unknown unit "h " in duration "1h "'],
    ['5µm', 'time: unknown unit "\\xc2\\xb5m" in duration "5\\xc2\\xb5m"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['2562048h', 'time: invalid duration "2562048h"'],
    ['99999999999999999999s', 'time: invalid duration "99999999999999999999s"'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(new GoDurationError(message));
  });
});

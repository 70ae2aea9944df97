import { describe, expect, it } from 'vitest';
import { ConditionError, evaluateCondition, parseCondition } from '../../shared/engine/condition.ts';
import { formatGoFloat, formatGoValue } from '../../shared/engine/format.ts';

describe('condition expressions (govaluate subset, §4.4)', () => {
  it.each([
    ['10 > 0', true],
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['2 ** 3 ** 2 == 512', true],
    ['-3 < -2', true],
    ['10 % 4 == 2', true],
    ["train == 'train'", true],
    ['"a" + "b" == "ab"', true],
    ['!(1 > 2) && true', true],
    ["'abc' =~ '^a.c$'", true],
    ["'abc' !~ 'z'", true],
    ["'b' > 'a'", true],
    ['3 >= 4', false],
    ['false || 1 != 1', false],
  ])('%s → %s', (source, expected) => {
    expect(evaluateCondition(source)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['1 >', /ends early/],
    ['(1 > 0', /missing \)/],
    ['1 > 0 )', /unexpected \)/],
    ["'open", /unclosed string/],
    ['1 # 2', /unexpected character \[#\]/],
  ])('refuses to parse %j', (source, message) => {
    expect(() => parseCondition(source)).toThrow(message);
  });

  it.each([
    ['1 + 1', /gives 2, not true or false/],
    ["'a' > 1", /cannot compare string with number/],
    ['1 && true', /needs true or false/],
    ["'a' - 1", /needs numbers/],
  ])('refuses to evaluate %j', (source, message) => {
    expect(() => evaluateCondition(source)).toThrow(ConditionError);
    expect(() => evaluateCondition(source)).toThrow(message);
  });
});

describe("Go's value formatting", () => {
  it.each([
    [0.5, '0.5'],
    [3, '3'],
    [-2.25, '-2.25'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-1e-7, '-0.0000001'],
  ])('formats %d as %s', (value, text) => {
    expect(formatGoFloat(value)).toBe(text);
  });

  it('formats lists and maps like %v', () => {
    expect(formatGoValue([1, 'a', [2.5]])).toBe('[1 a [2.5]]');
    expect(formatGoValue({ b: 1, a: 'x' })).toBe('map[a:x b:1]');
  });
});

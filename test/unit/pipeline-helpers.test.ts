import { describe, expect, it } from 'vitest';
import { splitCommaList } from '../../shared/engine/comma-list.ts';
import { decodeStdBase64 } from '../../shared/services/pipeline-source.ts';
import { sequenceId, sortableNumber } from '../../shared/store/counters.ts';
import { errorOf } from '../support/pf-error.ts';

describe('decodeStdBase64 (Go StdEncoding)', () => {
  it('decodes padded standard base64, with or without padding needed', () => {
    expect(decodeStdBase64('bmFtZTogeA==').toString()).toBe('name: x');
    expect(decodeStdBase64('bmFtZTogeHk=').toString()).toBe('name: xy');
    expect(decodeStdBase64('bmFtZTogeHl6').toString()).toBe('name: xyz');
    expect(decodeStdBase64('+/+/').toString('hex')).toBe('fbffbf');
    expect(decodeStdBase64('').length).toBe(0);
  });

  it('ignores line breaks anywhere, as Go does', () => {
    expect(decodeStdBase64('bmFt\r\nZTog\neA=\n=').toString()).toBe('name: x');
  });

  it('accepts non-zero trailing bits (StdEncoding is not Strict)', () => {
    expect(decodeStdBase64('YR==').toString()).toBe('a');
  });

  it.each([
    ['an illegal character', 'bmFt!ZTog', 'illegal character "!" at position 4'],
    ['the URL-safe alphabet', 'ab-_', 'illegal character "-"'],
    ['a space', 'bmFt ZTog', 'illegal character " "'],
    ['missing padding', 'bmFtZTogeA', 'not a multiple of 4'],
    ['a lone character', 'b', 'not a multiple of 4'],
    ['padding inside', 'bm=tZTog', '"=" may only pad its end'],
    ['padding then data', 'bmF=ZTogeA==', '"=" may only pad its end'],
    ['three padding characters', 'b===', '"=" may only pad its end'],
    ['only padding', '====', '"=" may only pad its end'],
  ])('refuses %s with Decode base64 naming yamlRaw', (_, text, problem) => {
    const error = errorOf(() => decodeStdBase64(text));
    expect(error.code).toBe('Decode base64');
    expect(error.status).toBe(400);
    expect(error.message).toContain('yamlRaw');
    expect(error.message).toContain(problem);
  });
});

describe('sequence ids', () => {
  it("are PaddleFlow's prefix-%06d, longer when needed", () => {
    expect(sequenceId('ppl', 1)).toBe('ppl-000001');
    expect(sequenceId('ppl', 999_999)).toBe('ppl-999999');
    expect(sequenceId('ppl', 1_000_000)).toBe('ppl-1000000');
    expect(sequenceId('run', 42)).toBe('run-000042');
  });

  it('sort as numbers once padded for a sort key, where the ids themselves do not', () => {
    const numbers = [1_000_000, 2, 999_999, 10];
    expect(numbers.map(sortableNumber).sort()).toEqual([2, 10, 999_999, 1_000_000].map(sortableNumber));
    expect([sequenceId('ppl', 1_000_000), sequenceId('ppl', 999_999)].sort()[0]).toBe('ppl-1000000');
  });
});

describe('list filters', () => {
  it('split on commas, trimmed, without empty items', () => {
    expect(splitCommaList(undefined)).toEqual([]);
    expect(splitCommaList('')).toEqual([]);
    expect(splitCommaList(' , ,')).toEqual([]);
    expect(splitCommaList('a, b ,,c')).toEqual(['a', 'b', 'c']);
    expect(splitCommaList('with space')).toEqual(['with space']);
  });
});

/** Validating EventBridge patterns: what EventBridge refuses is refused here, with the path and the problem named. */
import { describe, expect, it } from 'vitest';
import { EventPatternError, parseEventPattern } from '../../../shared/engine/events/index.ts';

function rejection(pattern: unknown): string {
  try {
    parseEventPattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(EventPatternError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(pattern)}`);
}

describe('parseEventPattern', () => {
  it('accepts every documented form', () => {
    const pattern = {
      source: ['floe', 'floe.test'],
      'detail-type': [{ prefix: 'Floe ' }],
      detail: {
        status: ['failed', null, true, 3, { 'equals-ignore-case': 'FAILED' }],
        file: [
          { suffix: '.png' },
          { suffix: { 'equals-ignore-case': '.PNG' } },
          { prefix: { 'equals-ignore-case': 'x' } },
        ],
        path: [{ wildcard: 'runs/*/out\\*' }],
        state: [
          { 'anything-but': 'initializing' },
          { 'anything-but': 5 },
          { 'anything-but': ['a', 'b'] },
          { 'anything-but': [1, 2.5] },
          { 'anything-but': { prefix: 'init' } },
          { 'anything-but': { suffix: ['.tmp', '.bak'] } },
          { 'anything-but': { 'equals-ignore-case': ['x', 'y'] } },
          { 'anything-but': { wildcard: '' } },
        ],
        size: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['=', 3.018e2] }, { numeric: ['<', -5e9 + 1] }],
        error: [{ exists: false }],
        ip: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }],
        $or: [{ a: [1] }, { b: { c: [2] } }],
      },
    };
    expect(parseEventPattern(pattern).fields.map((field) => field.key)).toEqual([
      'source',
      'detail-type',
      'detail',
    ]);
  });

  it('names the path and the problem in the message', () => {
    expect(rejection({ detail: { size: [{ numeric: [] }] } })).toBe(
      'pattern.detail.size: numeric needs an operator and a number, e.g. [">", 0, "<=", 5]',
    );
    expect(rejection({ detail: { size: ['a', { numeric: '>' }] } })).toMatch(
      /^pattern\.detail\.size\[1\]: numeric/,
    );
    expect(rejection({ detail: { 'file name': 'x' } })).toMatch(
      /^pattern\.detail\["file name"\]: must be an array/,
    );
  });

  it.each([
    ['a string', 'floe', /^pattern: must be a JSON object/],
    ['an array', [{ source: ['floe'] }], /^pattern: must be a JSON object/],
    ['null', null, /^pattern: must be a JSON object/],
    ['an empty pattern', {}, /^pattern: must not be an empty object/],
    ['an empty nested object', { detail: {} }, /^pattern\.detail: must not be an empty object/],
    [
      'a bare string leaf',
      { source: 'floe' },
      /^pattern\.source: must be an array of values to match, e\.g\. \["floe"\]/,
    ],
    ['a bare number leaf', { detail: { size: 5 } }, /^pattern\.detail\.size: must be an array/],
    ['a null leaf', { source: null }, /^pattern\.source: must be an array/],
    [
      'a filter outside an array',
      { source: { prefix: 'floe' } },
      /^pattern\.source\.prefix: must be an array; .*\[\{"prefix": "floe"\}\]/,
    ],
    ['an empty array', { source: [] }, /^pattern\.source: must list at least one value/],
    ['a nested array', { source: [['floe']] }, /^pattern\.source: cannot match \["floe"\]/],
    ['an empty filter object', { source: [{}] }, /^pattern\.source: an empty filter/],
    [
      'two filters in one object',
      { source: [{ prefix: 'a', suffix: 'b' }] },
      /exactly one filter, got "prefix", "suffix"/,
    ],
    ['an unknown filter', { source: [{ contains: 'a' }] }, /^pattern\.source: unknown filter "contains"/],
    ['Ruler-only exactly', { source: [{ exactly: 'a' }] }, /unknown filter "exactly"/],
    [
      'a non-string prefix',
      { source: [{ prefix: 1 }] },
      /prefix needs a string or \{"equals-ignore-case": "…"\}/,
    ],
    ['a prefix with another option', { source: [{ prefix: { wildcard: 'a' } }] }, /prefix needs a string/],
    ['a list suffix', { source: [{ suffix: ['a'] }] }, /suffix needs a string/],
    [
      'a list equals-ignore-case',
      { source: [{ 'equals-ignore-case': ['a'] }] },
      /equals-ignore-case needs a string/,
    ],
    ['a non-string wildcard', { source: [{ wildcard: 5 }] }, /wildcard needs a string/],
    [
      'consecutive wildcards',
      { source: [{ wildcard: 'a**b' }] },
      /consecutive \* at position 2 are not allowed/,
    ],
    ['a bad wildcard escape', { source: [{ wildcard: 'a\\b' }] }, /a backslash may only escape \* or \\/],
    ['a trailing backslash', { source: [{ wildcard: 'a\\' }] }, /a backslash may only escape/],
    ['a non-boolean exists', { source: [{ exists: 'yes' }] }, /exists needs true or false/],
    ['a non-string cidr', { ip: [{ cidr: 10 }] }, /cidr needs a string/],
  ])('refuses %s', (_name, pattern, message) => {
    expect(rejection(pattern)).toMatch(message);
  });

  it.each([
    ['not a list', { numeric: '>' }, /numeric needs an operator and a number/],
    ['empty', { numeric: [] }, /numeric needs an operator and a number/],
    ['an operator only', { numeric: ['>'] }, /numeric takes one comparison or a range of two/],
    ['three comparisons', { numeric: ['>', 0, '<', 5, '<', 9] }, /one comparison or a range of two/],
    ['a number first', { numeric: [0, '>'] }, /numeric needs an operator and a number/],
    ['an unknown operator', { numeric: ['!=', 1] }, /unknown operator "!="/],
    ['a string value', { numeric: ['>', '1'] }, /numeric: > needs a number, got "1"/],
    [
      'a value too large',
      { numeric: ['<', 5e9 + 1] },
      /out of range; EventBridge compares numbers from -5e9 to 5e9/,
    ],
    ['a value too small', { numeric: ['>', -6e9] }, /out of range/],
    [
      'bounds in the wrong order',
      { numeric: ['<', 5, '>', 0] },
      /a lower bound \(> or >=\) followed by an upper bound/,
    ],
    ['two lower bounds', { numeric: ['>', 0, '>', 0] }, /a lower bound .* followed by an upper bound/],
    ['equality in a range', { numeric: ['=', 1, '<', 2] }, /a lower bound .* followed by an upper bound/],
    ['an empty range', { numeric: ['>=', 5, '<=', 5] }, /the lower bound must be below the upper bound/],
  ])('refuses a numeric filter that is %s', (_name, filter, message) => {
    expect(rejection({ detail: { size: [filter] } })).toMatch(message);
  });

  it.each([
    ['null', null, /anything-but needs a string, a number, a list/],
    ['true', true, /anything-but needs a string/],
    ['an empty list', [], /anything-but needs at least one value/],
    ['a mixed list', ['a', 1], /only strings or only numbers/],
    ['a list with null', ['a', null], /only strings or only numbers/],
    ['a number out of range', 6e9, /anything-but number 6000000000 is out of range/],
    [
      'a numeric filter',
      { numeric: ['>', 1] },
      /anything-but takes one of prefix, suffix, equals-ignore-case, wildcard, got numeric/,
    ],
    ['two filters', { prefix: 'a', suffix: 'b' }, /anything-but takes one of/],
    ['an empty prefix', { prefix: '' }, /anything-but prefix must not be empty/],
    ['an empty suffix in a list', { suffix: ['a', ''] }, /anything-but suffix must not be empty/],
    [
      'a number prefix',
      { prefix: [123, 'test'] },
      /anything-but prefix needs a string or a non-empty list of strings/,
    ],
    [
      'a nested equals-ignore-case prefix',
      { prefix: { 'equals-ignore-case': 'a' } },
      /anything-but prefix needs a string/,
    ],
    ['an empty equals-ignore-case list', { 'equals-ignore-case': [] }, /needs a string or a non-empty list/],
    ['a bad wildcard', { wildcard: ['ok', '**'] }, /consecutive \*/],
  ])('refuses anything-but with %s', (_name, exclusion, message) => {
    expect(rejection({ state: [{ 'anything-but': exclusion }] })).toMatch(message);
  });

  it.each([
    ['no slash', '10.0.0.0', /needs one "\/" between address and mask bits/],
    ['two slashes', '10.0.0.0/8/8', /needs one "\/"/],
    ['non-numeric mask bits', '10.0.0.0/x', /mask bits must be a whole number/],
    ['negative mask bits', '10.0.0.0/-1', /mask bits must be a whole number/],
    ['an octet over 255', '10.0.0.256/24', /"10\.0\.0\.256" is not an IPv4 or IPv6 address/],
    ['a host name', 'example.com/24', /is not an IPv4 or IPv6 address/],
    ['IPv4 inside IPv6', '::ffff:10.0.0.0/104', /is not an IPv4 or IPv6 address/],
    ['two ::', '2001::db8::/32', /is not an IPv4 or IPv6 address/],
    ['a /32', '10.0.0.1/32', /IPv4 mask bits must be below 32/],
    ['a /128', '::1/128', /IPv6 mask bits must be below 128/],
  ])('refuses a cidr with %s', (_name, cidr, message) => {
    expect(rejection({ ip: [{ cidr }] })).toMatch(message);
  });

  it.each([
    ['not an array', { $or: { a: [1] } }, /^pattern\.\$or: needs an array of at least two patterns/],
    ['one alternative', { $or: [{ a: [1] }] }, /needs an array of at least two/],
    [
      'a non-object alternative',
      { $or: [{ a: [1] }, ['b']] },
      /^pattern\.\$or\[1\]: each \$or alternative must be a JSON object/,
    ],
    ['an empty alternative', { $or: [{ a: [1] }, {}] }, /^pattern\.\$or\[1\]: must not be an empty object/],
    [
      'a bad leaf inside',
      { detail: { $or: [{ a: [1] }, { b: 'x' }] } },
      /^pattern\.detail\.\$or\[1\]\.b: must be an array/,
    ],
    [
      'a filter used as a field',
      { $or: [{ prefix: ['a'] }, { b: [1] }] },
      /^pattern\.\$or\[0\]\.prefix: "prefix" is a filter, not a field/,
    ],
    [
      'a nested filter name',
      { $or: [{ a: { numeric: [1] } }, { b: [1] }] },
      /\$or\[0\]\.a\.numeric: "numeric" is a filter/,
    ],
  ])('refuses $or with %s', (_name, pattern, message) => {
    expect(rejection(pattern)).toMatch(message);
  });

  it('allows filter names as ordinary fields outside $or', () => {
    expect(() => parseEventPattern({ detail: { prefix: ['a'], numeric: { exists: [true] } } })).not.toThrow();
  });
});

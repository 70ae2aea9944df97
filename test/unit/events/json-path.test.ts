/** EventBridge-style JSON paths (InputPath syntax) that pick one value out of an event. */
import { describe, expect, it } from 'vitest';
import { JsonPathError, parseJsonPath, readJsonPath } from '../../../shared/engine/events/index.ts';

const event = {
  version: '0',
  'detail-type': 'Floe Run Status Change',
  source: 'floe',
  resources: [],
  detail: {
    status: 'succeeded',
    size: 0,
    flag: false,
    empty: null,
    run: { id: 'run-000001', tags: { team: 'ml' } },
    items: [{ name: 'a' }, { name: 'b', values: [10, 20] }],
    'key with space': 'spaced',
    "it's": 'quoted',
    's3/key': 'slashed',
  },
};

const read = (path: string, document: unknown = event) => readJsonPath(parseJsonPath(path), document);

describe('JSON paths', () => {
  it('parses steps into keys and indices', () => {
    expect(parseJsonPath('$').segments).toEqual([]);
    expect(parseJsonPath("$.detail.items[1]['values'][0]").segments).toEqual([
      { kind: 'key', key: 'detail' },
      { kind: 'key', key: 'items' },
      { kind: 'index', index: 1 },
      { kind: 'key', key: 'values' },
      { kind: 'index', index: 0 },
    ]);
    expect(parseJsonPath('$.detail').source).toBe('$.detail');
  });

  it('reads present values, falsy ones and whole subtrees included', () => {
    expect(read('$')).toBe(event);
    expect(read('$.detail')).toBe(event.detail);
    expect(read('$.source')).toBe('floe');
    expect(read('$.detail-type')).toBe('Floe Run Status Change');
    expect(read('$.detail.run.tags.team')).toBe('ml');
    expect(read('$.detail.size')).toBe(0);
    expect(read('$.detail.flag')).toBe(false);
    expect(read('$.detail.empty')).toBeNull();
    expect(read('$.detail.s3/key')).toBe('slashed');
  });

  it('reads array elements and keys in brackets', () => {
    expect(read('$.detail.items[0]')).toEqual({ name: 'a' });
    expect(read('$.detail.items[1].name')).toBe('b');
    expect(read('$.detail.items[1].values[1]')).toBe(20);
    expect(read("$.detail['key with space']")).toBe('spaced');
    expect(read('$.detail["key with space"]')).toBe('spaced');
    expect(read("$.detail['it\\'s']")).toBe('quoted');
    expect(read("$['detail']['run'].id")).toBe('run-000001');
  });

  it('gives undefined for anything absent', () => {
    expect(read('$.detail.missing')).toBeUndefined();
    expect(read('$.detail.missing.deeper')).toBeUndefined();
    expect(read('$.detail.status.length')).toBeUndefined();
    expect(read('$.detail.items[2]')).toBeUndefined();
    expect(read('$.resources[0]')).toBeUndefined();
    expect(read('$.detail.items.name')).toBeUndefined();
    expect(read('$.detail.run[0]')).toBeUndefined();
    expect(read('$.detail.empty.x')).toBeUndefined();
    expect(read('$.detail.constructor')).toBeUndefined();
    expect(read('$.detail', 'not an object')).toBeUndefined();
    expect(readJsonPath(parseJsonPath('$.a'), undefined)).toBeUndefined();
  });

  it.each([
    ['', /must not be empty/],
    ['detail.status', /"detail\.status": must start with \$/],
    ['$.', /ends with a dot/],
    ['$.detail.', /ends with a dot/],
    ['$detail', /unexpected "d" at position 2/],
    ['$.detail status', /unexpected " " at position 9/],
    ['$.detail.*', /wildcards \(\*\) are not supported/],
    ['$.detail.items[*]', /wildcards \(\[\*\]\) are not supported/],
    ['$..status', /recursive descent \(\.\.\) is not supported/],
    ['$.detail..status', /recursive descent/],
    ['$.detail.items[?(@.name == "a")]', /filters \(\[\?\(…\)\]\) are not supported/],
    ['$.detail.items[-1]', /negative array indices are not supported/],
    ['$.detail.items[0:2]', /array slices/],
    ['$.detail.items[0,1]', /unions/],
    ['$.detail.items[01]', /bad bracket at position 15/],
    ['$.detail.items[0', /bad bracket/],
    ["$.detail['open", /unclosed quote/],
    ["$.detail['a'x]", /expected \] after the quoted key/],
    ["$.detail['a\\b']", /may only escape/],
    [
      '$.detail.a:b',
      /unexpected ":" at position 11; a step is \.name \(letters, digits, -, _, \/\), \[0\] or \['any key'\]/,
    ],
    ['$.detail.items[99999999999999999999]', /too large/],
  ])('refuses %j', (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
    expect(() => parseJsonPath(path)).toThrow(message);
  });
});

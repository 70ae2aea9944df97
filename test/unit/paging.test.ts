import { describe, expect, it } from 'vitest';
import { MarkerCodec, pageEnvelope, parseMaxKeys } from '../../shared/http/paging.ts';
import { codeOf } from '../support/pf-error.ts';

const codec = new MarkerCodec(new TextEncoder().encode('a key of thirty-two bytes or so.'));

describe('maxKeys', () => {
  it('defaults to 50 and accepts 1..1000', () => {
    expect(parseMaxKeys(undefined)).toBe(50);
    expect(parseMaxKeys('')).toBe(50);
    expect(parseMaxKeys('1')).toBe(1);
    expect(parseMaxKeys('1000')).toBe(1000);
  });

  it.each(['0', '1001', '-5', 'abc', '2.5', '1e2', ' '])('refuses %j with InvalidURI', (raw) => {
    expect(codeOf(() => parseMaxKeys(raw))).toBe('InvalidURI');
  });
});

describe('markers', () => {
  it('round-trip a cursor within its list', () => {
    const marker = codec.seal('user', 'cursor-123');
    expect(marker).not.toContain('cursor-123');
    expect(codec.open('user', marker)).toBe('cursor-123');
    expect(codec.open('user', undefined)).toBeNull();
    expect(codec.open('user', '')).toBeNull();
  });

  it('refuse a marker of another list', () => {
    expect(codeOf(() => codec.open('queue', codec.seal('user', 'c')))).toBe('InvalidMarker');
  });

  it('refuse a marker signed with another key', () => {
    const other = new MarkerCodec(new TextEncoder().encode('another key entirely, also long.'));
    expect(codeOf(() => codec.open('user', other.seal('user', 'c')))).toBe('InvalidMarker');
  });

  it('refuse altered and malformed markers', () => {
    const [, signature] = codec.seal('user', 'c').split('.');
    const altered = `${Buffer.from(JSON.stringify({ l: 'user', c: 'd' })).toString('base64url')}.${signature}`;
    for (const bad of [altered, 'garbage', 'a.b.c', '.', `${signature}.`]) {
      expect(codeOf(() => codec.open('user', bad))).toBe('InvalidMarker');
    }
  });
});

describe('page envelopes', () => {
  it('carry nextMarker only when truncated', () => {
    const options = {
      maxKeys: 2,
      listKey: 'userList',
      list: 'user',
      markers: codec,
      view: (n: number) => ({ n }),
    };
    const truncated = pageEnvelope({ items: [1, 2], cursor: '2' }, options);
    expect(truncated).toMatchObject({ maxKeys: 2, isTruncated: true, userList: [{ n: 1 }, { n: 2 }] });
    expect(codec.open('user', truncated.nextMarker as string)).toBe('2');
    const last = pageEnvelope({ items: [], cursor: null }, options);
    expect(last).toEqual({ maxKeys: 2, isTruncated: false, userList: [] });
  });
});

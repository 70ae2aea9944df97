import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { bodyField, canonicalKeys, readBody } from '../../shared/http/body.ts';
import { errorOf } from '../support/pf-error.ts';

const Schema = z.object({
  fsName: z.optional(z.string()),
  userName: z.optional(z.string()),
  count: z.optional(z.number()),
});

describe('request keys', () => {
  it('match field names case-insensitively and drop unknown keys', () => {
    expect(canonicalKeys({ fsname: 'a', USERNAME: 'b', extra: 1 }, ['fsName', 'userName'])).toEqual({
      fsName: 'a',
      userName: 'b',
    });
  });

  it('prefer an exact match to a case-insensitive one, wherever it stands', () => {
    expect(canonicalKeys({ fsName: 'exact', fsname: 'loose' }, ['fsName'])).toEqual({ fsName: 'exact' });
    expect(canonicalKeys({ fsname: 'loose', fsName: 'exact' }, ['fsName'])).toEqual({ fsName: 'exact' });
  });

  it('read one field for the impersonation guard', () => {
    expect(bodyField({ UserName: 'bob' }, 'userName')).toBe('bob');
    expect(bodyField('text', 'userName')).toBeUndefined();
  });
});

describe('readBody', () => {
  it('returns the typed body under canonical names', () => {
    expect(readBody(Schema, { FSNAME: 'fs', count: 3 })).toEqual({ fsName: 'fs', count: 3 });
  });

  it.each([
    [undefined, 'empty'],
    [[1, 2], 'array'],
    ['text', 'string'],
    [null, 'null'],
  ])('refuses %j as MalformedJSON saying it is %s', (body, word) => {
    const error = errorOf(() => readBody(Schema, body));
    expect(error.code).toBe('MalformedJSON');
    expect(error.message).toContain(word);
  });

  it('names the field with the wrong type and both types', () => {
    const error = errorOf(() => readBody(Schema, { fsname: 'ok', count: 'three' }));
    expect(error.code).toBe('MalformedJSON');
    expect(error.message).toBe('field [count] must be a number, got string');
  });
});

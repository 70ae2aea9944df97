import { describe, expect, it } from 'vitest';
import { PfError, statusOf } from '../../shared/errors.ts';

describe('PaddleFlow error codes', () => {
  it.each([
    ['AuthWithoutToken', 400],
    ['AuthInvalidToken', 400],
    ['MalformedJSON', 400],
    ['InvalidMarker', 400],
    ['OnlyRootAllowed', 403],
    ['UserNameDuplicated', 403],
    ['AccessDenied', 403],
    ['PathNotFound', 404],
    ['MethodNotAllowed', 405],
    ['InternalError', 500],
  ] as const)('%s is HTTP %i', (code, status) => {
    expect(statusOf(code)).toBe(status);
    expect(new PfError(code).status).toBe(status);
  });

  it('sends a code missing from the map as 500, as PaddleFlow does', () => {
    expect(statusOf('UpdateDatabaseFailed')).toBe(500);
    expect(statusOf('')).toBe(500);
  });

  it("uses PaddleFlow's fixed text when no message is given, and the given one otherwise", () => {
    expect(new PfError('AuthFailed').message).toBe('Username or password not correct');
    expect(new PfError('UserNotExist').message).toBe('User not exist');
    expect(new PfError('UserNotExist', 'user[x] does not exist').message).toBe('user[x] does not exist');
    expect(new PfError('PathNotFound').message).toBe('');
  });
});

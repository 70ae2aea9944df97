import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../shared/services/passwords.ts';
import { credentialFingerprint, issueToken, readToken } from '../../shared/services/tokens.ts';

const key = new TextEncoder().encode('k'.repeat(32));

describe('password hashes', () => {
  it('are salted scrypt: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('secret12'), hashPassword('secret12')]);
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('secret12');
  });

  it('verify the right password and refuse wrong ones, also after a cached success', async () => {
    const stored = await hashPassword('secret12');
    expect(await verifyPassword('secret12', stored)).toBe(true);
    expect(await verifyPassword('secret12', stored)).toBe(true); // served by the verified cache
    expect(await verifyPassword('secret13', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    const other = await hashPassword('different1');
    expect(await verifyPassword('secret12', other)).toBe(false);
  });

  it('refuse a stored value that is not a hash of ours', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });
});

describe('tokens', () => {
  it('carry the user and credential fingerprint', async () => {
    const token = await issueToken({ username: 'alice', credential: 'fp' }, key, undefined);
    expect(await readToken(token, key)).toEqual({ username: 'alice', credential: 'fp' });
  });

  it('are refused under another key, altered, or after they expire', async () => {
    const token = await issueToken({ username: 'alice', credential: 'fp' }, key, undefined);
    expect(await readToken(token, new TextEncoder().encode('x'.repeat(32)))).toBeNull();
    expect(await readToken(`${token}x`, key)).toBeNull();
    const expired = await new SignJWT({ username: 'alice', cred: 'fp' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('floe')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(key);
    expect(await readToken(expired, key)).toBeNull();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`;
    expect(await readToken(unsigned, key)).toBeNull();
  });

  it('expire when a lifetime is configured', async () => {
    const token = await issueToken({ username: 'a', credential: 'f' }, key, 3600);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload.exp - payload.iat).toBe(3600);
  });

  it('fingerprint the password hash without revealing it', async () => {
    const hash = await hashPassword('secret12');
    expect(credentialFingerprint(hash)).toHaveLength(22);
    expect(hash).not.toContain(credentialFingerprint(hash));
    expect(credentialFingerprint(hash)).not.toBe(credentialFingerprint(await hashPassword('secret12')));
  });
});

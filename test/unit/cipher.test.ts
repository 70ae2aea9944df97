import { describe, expect, it } from 'vitest';
import { CipherError, SecretCipher } from '../../shared/runtime/cipher.ts';
import { openSecret, sealSecrets } from '../../shared/services/fs-secrets.ts';

const keyOf = (text: string) => async () => new TextEncoder().encode(text);
const cipher = new SecretCipher(keyOf('the signing key of this server.'));
const other = new SecretCipher(keyOf('the signing key of another one.'));

describe('SecretCipher (AES-256-GCM, key by HKDF from the signing key)', () => {
  it('round-trips, as lowercase hex that does not contain the secret', async () => {
    const sealed = await cipher.seal('my s3 secret ✓', 'ctx');
    expect(sealed).toMatch(/^01[0-9a-f]+$/);
    expect(Buffer.from(sealed, 'hex').toString('latin1')).not.toContain('secret');
    expect(await cipher.open(sealed, 'ctx')).toBe('my s3 secret ✓');
  });

  it('seals the same text differently each time (random IV)', async () => {
    expect(await cipher.seal('same', 'ctx')).not.toBe(await cipher.seal('same', 'ctx'));
  });

  it('detects any altered byte', async () => {
    const sealed = await cipher.seal('secret', 'ctx');
    for (let i = 0; i < sealed.length; i += 2) {
      const byte = Number.parseInt(sealed.slice(i, i + 2), 16) ^ 0x01;
      const altered = `${sealed.slice(0, i)}${byte.toString(16).padStart(2, '0')}${sealed.slice(i + 2)}`;
      await expect(cipher.open(altered, 'ctx')).rejects.toThrow(CipherError);
    }
  });

  it('refuses truncated, non-hex and empty input, another key and another context', async () => {
    const sealed = await cipher.seal('secret', 'ctx');
    for (const bad of [sealed.slice(0, -2), `${sealed}00`, 'zz', '', 'ABCDEF', sealed.toUpperCase()]) {
      await expect(cipher.open(bad, 'ctx')).rejects.toThrow(CipherError);
    }
    await expect(other.open(sealed, 'ctx')).rejects.toThrow(CipherError);
    await expect(cipher.open(sealed, 'other-ctx')).rejects.toThrow(CipherError);
    expect(await cipher.isSealed(sealed, 'ctx')).toBe(true);
    expect(await cipher.isSealed('plain text', 'ctx')).toBe(false);
    expect(await other.isSealed(sealed, 'ctx')).toBe(false);
  });

  it('does not use the signing key itself as the cipher key', async () => {
    const raw = new TextEncoder().encode('k'.repeat(32));
    const sealed = await new SecretCipher(async () => raw).seal('x', 'ctx');
    const { createDecipheriv } = await import('node:crypto');
    const bytes = Buffer.from(sealed, 'hex');
    const decipher = createDecipheriv('aes-256-gcm', raw, bytes.subarray(1, 13));
    decipher.setAAD(Buffer.from('ctx'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    decipher.update(bytes.subarray(13, bytes.length - 16));
    expect(() => decipher.final()).toThrow();
  });
});

describe('secret properties', () => {
  it('seals secretKey, password and the kerberos keytab, and nothing else', async () => {
    const sealed = await sealSecrets(cipher, {
      accessKey: 'AK',
      secretKey: 'SK',
      password: 'pw',
      'kerberos.keytab.data': 'a2V5dGFi',
      endpoint: 'e',
    });
    expect(sealed.accessKey).toBe('AK');
    expect(sealed.endpoint).toBe('e');
    for (const key of ['secretKey', 'password', 'kerberos.keytab.data'] as const) {
      expect(sealed[key]).toMatch(/^01[0-9a-f]+$/);
    }
    expect(await openSecret(cipher, 'secretKey', sealed.secretKey!)).toBe('SK');
    expect(await openSecret(cipher, 'password', sealed.password!)).toBe('pw');
  });

  it('keeps a value it sealed already, so a read-then-write round trip changes nothing', async () => {
    const once = await sealSecrets(cipher, { secretKey: 'SK' });
    const twice = await sealSecrets(cipher, once);
    expect(twice.secretKey).toBe(once.secretKey);
    // Sealed for another property, it is just text here: sealed again, and opens to that text.
    const moved = await sealSecrets(cipher, { password: once.secretKey! });
    expect(await openSecret(cipher, 'password', moved.password!)).toBe(once.secretKey);
  });

  it('leaves empty secrets alone', async () => {
    expect(await sealSecrets(cipher, { password: '' })).toEqual({ password: '' });
  });
});

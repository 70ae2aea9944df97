/**
 * Sealing secrets at rest (file system passwords and secret keys). PaddleFlow encrypts them with a fixed
 * AES key compiled into the server; Floe uses AES-256-GCM under a key derived by HKDF from the server's
 * signing key, with its own info label so that the same bytes never serve as both an HMAC key and a
 * cipher key. GCM authenticates: a value altered at rest, sealed under another key or for another
 * purpose (the `context`, bound in as associated data) fails to open instead of decrypting to garbage.
 *
 * Sealed text is lowercase hex, like PaddleFlow's: `01 | iv (12) | ciphertext | tag (16)`. The leading
 * format byte leaves room for a key rotation scheme later. The signing key is read on every call: the
 * Secrets port caches it, and a failed read is then simply retried by the next call.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'floe secret properties v1';

export class CipherError extends Error {
  constructor() {
    super('sealed value is malformed, altered, or sealed under another key or context');
    this.name = 'CipherError';
  }
}

export class SecretCipher {
  constructor(private readonly signingKey: () => Promise<Uint8Array>) {}

  private async key(): Promise<Buffer> {
    return Buffer.from(hkdfSync('sha256', await this.signingKey(), Buffer.alloc(0), INFO, 32));
  }

  /** Encrypts `plain` for `context` (what the value is, e.g. `fs-property:secretKey`). */
  async seal(plain: string, context: string): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', await this.key(), iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), iv, body, cipher.getAuthTag()]).toString('hex');
  }

  /** Decrypts a value sealed for `context`; throws CipherError on anything that is not one. */
  async open(sealed: string, context: string): Promise<string> {
    if (!/^(?:[0-9a-f]{2})+$/.test(sealed)) throw new CipherError();
    const bytes = Buffer.from(sealed, 'hex');
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT) throw new CipherError();
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    const body = bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.key(), iv);
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new CipherError();
    }
  }

  /** Whether `value` is already a value this server sealed for `context`. */
  async isSealed(value: string, context: string): Promise<boolean> {
    try {
      await this.open(value, context);
      return true;
    } catch (error) {
      if (error instanceof CipherError) return false;
      throw error;
    }
  }
}

/**
 * Password hashing with scrypt from node:crypto (a slow, salted, memory-hard KDF; no dependency needed).
 * Stored form: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url), so the cost can be raised later without
 * breaking stored hashes.
 *
 * Verified-credential cache: a slow hash makes every login cost ~90 ms of CPU, which a script that logs in
 * for every call (the PaddleFlow SDK logs in per client) pays again and again. After a successful check we
 * remember an HMAC of (stored hash, password) under a per-process random key. Only a correct password for the
 * current hash can hit it; a wrong password always pays the full scrypt, so it gives a guesser nothing, and a
 * password change makes every entry for the old hash unreachable.
 */
import { createHmac, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const LOG2_N = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;

const CACHE_LIMIT = 1024;
const CACHE_TTL_MS = 15 * 60 * 1000;

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, LOG2_N, BLOCK_SIZE, PARALLELISM);
  return [
    'scrypt',
    LOG2_N,
    BLOCK_SIZE,
    PARALLELISM,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

const cacheKey = randomBytes(32);
const verified = new Map<string, number>();

function cacheId(stored: string, password: string): string {
  return createHmac('sha256', cacheKey).update(stored).update('\0').update(password).digest('base64url');
}

function remember(id: string) {
  verified.delete(id);
  verified.set(id, Date.now() + CACHE_TTL_MS);
  // Maps iterate in insertion order: the first key is the least recently verified.
  if (verified.size > CACHE_LIMIT) verified.delete(verified.keys().next().value!);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const id = cacheId(stored, password);
  const expiry = verified.get(id);
  if (expiry !== undefined && expiry > Date.now()) return true;

  const [scheme, log2N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(log2N), Number(r), Number(p));
  const match = actual.length === expected.length && timingSafeEqual(actual, expected);
  if (match) remember(id);
  return match;
}

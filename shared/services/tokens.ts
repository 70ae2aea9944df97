/**
 * Login tokens: HS256 JWTs (jose). Clients treat them as opaque. A token names its user and carries a
 * fingerprint of that user's password hash; auth compares it with the stored hash on every call, so changing
 * a password (new salt, new hash) or deleting the user, even re-creating one of the same name, revokes every
 * token issued before. The hash itself never leaves the server.
 */
import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'floe';
/** Like PaddleFlow, tolerate clocks that run behind the server's. */
const NOT_BEFORE_SKEW_SECONDS = 1000;

export interface TokenClaims {
  username: string;
  credential: string;
}

export function credentialFingerprint(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 22);
}

export async function issueToken(
  claims: TokenClaims,
  key: Uint8Array,
  ttlSeconds: number | undefined,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ username: claims.username, cred: claims.credential })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setIssuedAt(now)
    .setNotBefore(now - NOT_BEFORE_SKEW_SECONDS);
  if (ttlSeconds && ttlSeconds > 0) jwt.setExpirationTime(now + ttlSeconds);
  return jwt.sign(key);
}

/** The claims of a genuine, unexpired token, or null for anything else. */
export async function readToken(token: string, key: Uint8Array): Promise<TokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
    const { username, cred } = payload as { username?: unknown; cred?: unknown };
    if (typeof username !== 'string' || typeof cred !== 'string') return null;
    return { username, credential: cred };
  } catch {
    return null;
  }
}

/**
 * A webhook delivery's signature, so the receiver can tell Floe sent the body: `sha256=<hex>`, the HMAC-SHA256 of
 * the exact body bytes under the webhook's secret, in the `X-Floe-Signature` header (GitHub's scheme, so the
 * receivers people already have verify it unchanged).
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Floe-Signature';

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

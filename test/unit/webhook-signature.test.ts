import { describe, expect, it } from 'vitest';
import { signatureOf } from '../../shared/services/webhook-signature.ts';

describe('webhook signature', () => {
  it("is GitHub's sha256= HMAC of the body, so existing receivers verify it", () => {
    // GitHub's documented test vector ("Validating webhook deliveries").
    expect(signatureOf("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('is the same only for the same body under the same secret', () => {
    const body = JSON.stringify({ detail: { runID: 'run-000001' } });
    const header = signatureOf('s3cret', body);
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signatureOf('s3cret', body)).toBe(header);
    expect(signatureOf('other', body)).not.toBe(header);
    expect(signatureOf('s3cret', `${body} `)).not.toBe(header);
  });
});

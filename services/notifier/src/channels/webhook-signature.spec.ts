import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookSignature } from './webhook-signature';

/** What a receiver does: recompute over the raw body it got and compare in constant time. */
function receiverAccepts(secret: string, timestamp: string, rawBody: string, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`);
  const received = Buffer.from(header);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

describe('webhookSignature', () => {
  it('matches a vector computed with openssl', () => {
    // printf '%s' '1767225600.{"type":"baton.run.failed"}' | openssl dgst -sha256 -hmac 'whsec_test'
    expect(webhookSignature('whsec_test', '1767225600', '{"type":"baton.run.failed"}')).toBe(
      'sha256=4b87517dbbdd163614812c8e2d5bc6f7885cd4c8b6713e491f3d17085feaf4d7',
    );
  });

  it('is accepted by a receiver holding the secret, and by no other', () => {
    const body = JSON.stringify({ type: 'baton.run.completed', runId: 'r-1', output: { note: 'ünïcode ✓' } });
    const signature = webhookSignature('s3cret', '1767225600', body);

    expect(receiverAccepts('s3cret', '1767225600', body, signature)).toBe(true);
    expect(receiverAccepts('other', '1767225600', body, signature)).toBe(false);
    expect(receiverAccepts('s3cret', '1767225601', body, signature)).toBe(false);
    expect(receiverAccepts('s3cret', '1767225600', `${body} `, signature)).toBe(false);
  });
});

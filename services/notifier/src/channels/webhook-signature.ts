import { createHmac } from 'node:crypto';

/**
 * `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Signing the timestamp with the body
 * lets receivers reject replays of an old delivery, not only forged ones.
 */
export function webhookSignature(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

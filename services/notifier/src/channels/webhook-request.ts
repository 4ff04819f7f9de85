import type { WebhookChannel } from '@baton/dsl';
import type { Notification } from './notification';
import { webhookSignature } from './webhook-signature';

export interface WebhookRequest {
  url: string;
  headers: Headers;
  /** Sent byte for byte as signed. */
  body: string;
}

export interface WebhookRequestInput {
  notification: Notification;
  webhook: WebhookChannel;
  deliveryId: string;
  sentAt: Date;
  /** The rule's resolved secret, when it has one. */
  signingKey?: string;
}

/** The webhook body and headers of one delivery attempt (the notification contract receivers rely on). */
export function buildWebhookRequest({ notification, webhook, deliveryId, sentAt, signingKey }: WebhookRequestInput): WebhookRequest {
  const body = JSON.stringify(notification);
  const timestamp = String(Math.floor(sentAt.getTime() / 1000));
  const headers = new Headers();
  // `X-Baton-*` is Baton's: a rule must not be able to forge a signature on an unsigned webhook.
  for (const [name, value] of Object.entries(webhook.headers ?? {})) {
    if (!name.toLowerCase().startsWith('x-baton-')) headers.set(name, value);
  }
  headers.set('Content-Type', 'application/json');
  headers.set('X-Baton-Event', `run.${notification.event}`);
  headers.set('X-Baton-Delivery', deliveryId);
  headers.set('X-Baton-Timestamp', timestamp);
  if (signingKey !== undefined) headers.set('X-Baton-Signature', webhookSignature(signingKey, timestamp, body));
  return { url: webhook.url, headers, body };
}

import type { RunLifecycleEvent } from '@baton/contracts';
import type { NotificationEvent, NotificationRule } from '@baton/dsl';
import { webhookSignature } from './webhook-signature';

export interface WebhookRequest {
  url: string;
  headers: Headers;
  /** Sent byte for byte as signed. */
  body: string;
  status: NotificationEvent;
  runId: string;
  workflow: string;
}

export interface WebhookRequestInput {
  event: RunLifecycleEvent;
  status: NotificationEvent;
  rule: NotificationRule;
  deliveryId: string;
  sentAt: Date;
  /** The rule's resolved secret, when it has one. */
  signingKey?: string;
}

/** The webhook body and headers of one delivery attempt (the notification contract receivers rely on). */
export function buildWebhookRequest({ event, status, rule, deliveryId, sentAt, signingKey }: WebhookRequestInput): WebhookRequest {
  const body = JSON.stringify({
    type: `baton.run.${status}`,
    runId: event.runId,
    workflow: event.workflow,
    version: event.version,
    status,
    ...(event.output === undefined ? {} : { output: event.output }),
    ...(event.error === undefined ? {} : { error: event.error }),
    occurredAt: event.occurredAt,
  });
  const timestamp = String(Math.floor(sentAt.getTime() / 1000));
  const headers = new Headers();
  // `X-Baton-*` is Baton's: a rule must not be able to forge a signature on an unsigned webhook.
  for (const [name, value] of Object.entries(rule.webhook.headers ?? {})) {
    if (!name.toLowerCase().startsWith('x-baton-')) headers.set(name, value);
  }
  headers.set('Content-Type', 'application/json');
  headers.set('X-Baton-Event', `run.${status}`);
  headers.set('X-Baton-Delivery', deliveryId);
  headers.set('X-Baton-Timestamp', timestamp);
  if (signingKey !== undefined) headers.set('X-Baton-Signature', webhookSignature(signingKey, timestamp, body));
  return { url: rule.webhook.url, headers, body, status, runId: event.runId, workflow: event.workflow };
}

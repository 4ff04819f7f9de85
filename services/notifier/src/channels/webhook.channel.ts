import { Injectable } from '@nestjs/common';
import { Secrets, UnresolvedSecretError } from '@baton/config';
import type { WebhookChannel as WebhookConfig } from '@baton/dsl';
import type { ChannelSender, DeliveryAttempt, SendResult } from './channel-sender';
import { postNotification } from './http-post';
import { buildWebhookRequest } from './webhook-request';

/** The notification as JSON, signed with HMAC-SHA256 over `<timestamp>.<body>` when the rule has a secret. */
@Injectable()
export class WebhookChannel implements ChannelSender {
  readonly channel = 'webhook';

  constructor(private readonly secrets: Secrets) {}

  targetOf(config: Record<string, unknown>): string {
    return (config as unknown as WebhookConfig).url;
  }

  async send(attempt: DeliveryAttempt): Promise<SendResult> {
    const webhook = attempt.config as unknown as WebhookConfig;
    let signingKey: string | undefined;
    try {
      signingKey = webhook.secret === undefined ? undefined : await this.secrets.resolve(webhook.secret, 'the webhook secret');
    } catch (error) {
      // Secrets are read once at start, so no later attempt can fix this; sending unsigned is not an option.
      if (error instanceof UnresolvedSecretError) return { delivered: false, error: error.message, permanent: true };
      throw error;
    }
    const request = buildWebhookRequest({
      notification: attempt.notification,
      webhook,
      deliveryId: attempt.id,
      sentAt: attempt.sentAt,
      signingKey,
    });
    return postNotification(request);
  }
}

import { Secrets, UnresolvedSecretError } from '@baton/config';
import { Injectable, Logger } from '@nestjs/common';
import type { RunLifecycleEvent } from '@baton/contracts';
import { NOTIFICATION_EVENTS, type NotificationEvent, type NotificationRule } from '@baton/dsl';
import { Clock } from '@baton/runtime';
import { DeliveriesRepository } from './deliveries.repository';
import { NotificationRules } from './notification-rules';
import { buildWebhookRequest } from './webhook-request';
import { WebhookSender } from './webhook-sender';

export interface DeliveryRound {
  /** The last delivery of the event JetStream will make: failures now end `failed`. */
  finalAttempt: boolean;
}

/** Some webhooks still have to be retried; the event is redelivered for them. */
export class PendingWebhooksError extends Error {
  override name = 'PendingWebhooksError';
}

/**
 * Sends the webhooks a run's status change calls for, each recorded as a delivery. Idempotent per
 * event: a redelivered event re-sends only the webhooks that have not been delivered yet.
 */
@Injectable()
export class DeliverRunNotificationsUseCase {
  private readonly logger = new Logger(DeliverRunNotificationsUseCase.name);

  constructor(
    private readonly rules: NotificationRules,
    private readonly deliveries: DeliveriesRepository,
    private readonly sender: WebhookSender,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {}

  async execute(event: RunLifecycleEvent, round: DeliveryRound): Promise<void> {
    const status = event.status;
    if (!isNotificationEvent(status)) return;
    const rules = await this.rules.of(event.workflow, event.version);
    const due = rules.flatMap((rule, ruleIndex) => (rule.on.includes(status) ? [{ rule, ruleIndex }] : []));
    const outcomes = await Promise.all(due.map(({ rule, ruleIndex }) => this.deliver(event, status, rule, ruleIndex, round)));
    const pending = outcomes.filter((reason): reason is string => reason !== undefined);
    if (pending.length > 0) {
      throw new PendingWebhooksError(
        `${pending.length} of ${due.length} webhooks for run ${event.runId} not delivered: ${pending.join('; ')}`,
      );
    }
  }

  /** Returns why the webhook must be retried, or undefined when it is done with (delivered or given up). */
  private async deliver(
    event: RunLifecycleEvent,
    status: NotificationEvent,
    rule: NotificationRule,
    ruleIndex: number,
    round: DeliveryRound,
  ): Promise<string | undefined> {
    const id = `${event.runId}:${status}:${ruleIndex}`;
    const delivery = await this.deliveries.open({
      id,
      runId: event.runId,
      workflow: event.workflow,
      event: `run.${status}`,
      url: rule.webhook.url,
    });
    if (delivery.status === 'delivered') return undefined;

    let signingKey: string | undefined;
    try {
      signingKey = rule.webhook.secret === undefined ? undefined : await this.secrets.resolve(rule.webhook.secret, 'the webhook secret');
    } catch (error) {
      if (!(error instanceof UnresolvedSecretError)) throw error;
      // Secrets are read once at start, so no redelivery can fix this; sending unsigned is not an option.
      this.logger.warn(`delivery ${id} given up: ${error.message}`);
      await this.deliveries.recordFailure(id, { error: error.message, final: true });
      return undefined;
    }

    const request = buildWebhookRequest({ event, status, rule, deliveryId: id, sentAt: this.clock.now(), signingKey });
    const result = await this.sender.send(request);
    if (result.delivered) {
      await this.deliveries.recordDelivered(id, result.statusCode);
      return undefined;
    }
    await this.deliveries.recordFailure(id, { error: result.error, statusCode: result.statusCode, final: round.finalAttempt });
    if (round.finalAttempt) this.logger.error(`delivery ${id} failed for good: ${result.error}`);
    return `${id}: ${result.error}`;
  }
}

function isNotificationEvent(status: string): status is NotificationEvent {
  return NOTIFICATION_EVENTS.includes(status);
}

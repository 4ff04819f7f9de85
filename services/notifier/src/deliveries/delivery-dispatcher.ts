import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import { Subjects } from '@baton/contracts';
import { JetStreamPublisher, PollingLoop } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import { BatonAttributes, extractTraceContext, inSpan, Metrics, serviceTracer, SpanKind, SpanStatusCode } from '@baton/telemetry';
import { CHANNEL_SENDERS, type ChannelSender, type SendResult } from '../channels/channel-sender';
import { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryEntity } from './delivery.entity';

const POLL_EVERY_MS = 250;
const BATCH_SIZE = 16;
const MAX_RETRY_DELAY_MS = 10 * 60_000;

/** Wait before the attempt after `attemptsMade` failed ones: `initial`, doubled each time, capped at 10 minutes. */
export function retryDelayAfter(attemptsMade: number, initialMs: number): number {
  return Math.min(initialMs * 2 ** Math.max(0, attemptsMade - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Sends queued deliveries when due: each attempt in its own span of the run's trace; a failure is
 * retried with exponential back-off until `BATON_NOTIFY_MAX_ATTEMPTS`, then dead-lettered (status
 * `dead_lettered`, and a message on `baton.dlq.notifier-deliveries`).
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  private readonly tracer = serviceTracer('notifier');
  private readonly maxAttempts: number;
  private readonly initialRetryMs: number;
  private readonly loop = new PollingLoop('notification dispatch', POLL_EVERY_MS, () => this.dispatchDue(), this.logger);

  constructor(
    private readonly deliveries: DeliveriesRepository,
    @Inject(CHANNEL_SENDERS) private readonly senders: ChannelSender[],
    private readonly publisher: JetStreamPublisher,
    private readonly clock: Clock,
    config: BatonConfig,
  ) {
    this.maxAttempts = config.BATON_NOTIFY_MAX_ATTEMPTS;
    this.initialRetryMs = config.BATON_NOTIFY_RETRY_INITIAL_MS;
    // Every series exists from the start at 0, so that rate() sees the first delivery or dead letter.
    for (const { channel } of senders) {
      for (const outcome of ['delivered', 'failed', 'dead_lettered']) Metrics.notificationDeliveries.inc({ channel, outcome }, 0);
    }
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** New deliveries were queued: look now rather than at the next poll. */
  kick(): void {
    this.loop.wake();
  }

  /** Sends one batch of due deliveries; goes on at once after a full batch. */
  private async dispatchDue(): Promise<number | void> {
    const due = await this.deliveries.claimDue(BATCH_SIZE);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    if (due.length === BATCH_SIZE) return 0;
  }

  private async attempt(delivery: DeliveryEntity): Promise<void> {
    const attempt = delivery.attempts + 1;
    const attributes = {
      [BatonAttributes.runId]: delivery.runId,
      [BatonAttributes.workflow]: delivery.workflow,
      'baton.delivery_id': delivery.id,
      'baton.notification.channel': delivery.channel,
      [BatonAttributes.attempt]: attempt,
    };
    const result = await inSpan(
      this.tracer,
      `notify ${delivery.channel} ${delivery.event}`,
      { kind: SpanKind.PRODUCER, parent: extractTraceContext(delivery.traceHeaders), attributes },
      async (span) => {
        const outcome = await this.send(delivery);
        if (!outcome.delivered) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
        return outcome;
      },
    );
    if (result.delivered) {
      await this.deliveries.recordDelivered(delivery.id, result.statusCode);
      Metrics.notificationDeliveries.inc({ channel: delivery.channel, outcome: 'delivered' });
      return;
    }
    const final = result.permanent === true || attempt >= this.maxAttempts;
    const retryAt = final ? undefined : new Date(this.clock.now().getTime() + retryDelayAfter(attempt, this.initialRetryMs));
    await this.deliveries.recordFailure(delivery.id, { error: result.error, statusCode: result.statusCode, retryAt });
    Metrics.notificationDeliveries.inc({ channel: delivery.channel, outcome: final ? 'dead_lettered' : 'failed' });
    if (final) await this.deadLetter(delivery, attempt, result.error);
  }

  private async send(delivery: DeliveryEntity): Promise<SendResult> {
    const sender = this.senders.find((s) => s.channel === delivery.channel);
    if (!sender) return { delivered: false, error: `unknown channel ${delivery.channel}`, permanent: true };
    try {
      return await sender.send({ id: delivery.id, config: delivery.config, notification: delivery.notification, sentAt: this.clock.now() });
    } catch (error) {
      return { delivered: false, error: (error as Error).message };
    }
  }

  private async deadLetter(delivery: DeliveryEntity, attempts: number, error: string): Promise<void> {
    this.logger.error(
      `delivery ${delivery.id} (${delivery.channel} to ${delivery.target}) dead-lettered after ${attempts} attempts: ${error}`,
    );
    await this.publisher
      .publish(
        Subjects.deadLetter('notifier-deliveries'),
        {
          deliveryId: delivery.id,
          channel: delivery.channel,
          target: delivery.target,
          attempts,
          error,
          notification: delivery.notification,
        },
        { msgId: `dlq:delivery:${delivery.id}`, traceHeaders: delivery.traceHeaders },
      )
      // The row already says dead_lettered: the stream copy is for subscribers, and its loss is only logged.
      .catch((publishError: Error) => this.logger.warn(`dead letter of ${delivery.id} not published: ${publishError.message}`));
  }
}

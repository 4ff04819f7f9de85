import { Injectable } from '@nestjs/common';
import { RUN_STATUSES, Streams, type RunLifecycleEvent } from '@baton/contracts';
import { OnJetStreamMessage, TerminalMessageError, type InboundMessage } from '@baton/messaging';
import { DeliverRunNotificationsUseCase } from './deliver-run-notifications.use-case';

const MAX_DELIVERIES = 8;

/** The notifier's consumer of run lifecycle events: a thin adapter to {@link DeliverRunNotificationsUseCase}. */
@Injectable()
export class RunLifecycleHandler {
  constructor(private readonly deliverNotifications: DeliverRunNotificationsUseCase) {}

  @OnJetStreamMessage({
    stream: Streams.lifecycle,
    durable: 'notifier-lifecycle',
    filterSubject: 'baton.lifecycle.>',
    maxDeliver: MAX_DELIVERIES,
  })
  async onRunLifecycle(message: InboundMessage): Promise<void> {
    const event = message.json<unknown>();
    assertRunLifecycleEvent(event);
    await this.deliverNotifications.execute(event, { finalAttempt: message.deliveryCount >= MAX_DELIVERIES });
  }
}

function assertRunLifecycleEvent(value: unknown): asserts value is RunLifecycleEvent {
  const event = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const invalid = ['runId', 'workflow', 'occurredAt'].filter((field) => typeof event[field] !== 'string' || event[field] === '');
  if (!Number.isInteger(event['version'])) invalid.push('version');
  if (!(RUN_STATUSES as readonly unknown[]).includes(event['status'])) invalid.push('status');
  if (invalid.length > 0) throw new TerminalMessageError(`run lifecycle event has no valid ${invalid.join(', ')}`);
}

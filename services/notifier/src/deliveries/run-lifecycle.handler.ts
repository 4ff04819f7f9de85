import { Injectable } from '@nestjs/common';
import { RUN_STATUSES, Streams, type RunLifecycleEvent } from '@baton/contracts';
import { NOTIFICATION_EVENTS } from '@baton/dsl';
import { type InboundMessage, OnJetStreamMessage, TerminalMessageError } from '@baton/messaging';
import { PlanDeliveriesUseCase } from './plan-deliveries.use-case';

/** The notifier's consumer of run lifecycle events: a thin adapter to {@link PlanDeliveriesUseCase}. */
@Injectable()
export class RunLifecycleHandler {
  constructor(private readonly planDeliveries: PlanDeliveriesUseCase) {}

  @OnJetStreamMessage({ stream: Streams.lifecycle, durable: 'notifier-lifecycle', filterSubject: 'baton.lifecycle.>' })
  async onRunLifecycle(message: InboundMessage): Promise<void> {
    const event = message.json<unknown>();
    assertRunLifecycleEvent(event);
    await this.planDeliveries.execute(event);
  }
}

function assertRunLifecycleEvent(value: unknown): asserts value is RunLifecycleEvent {
  const event = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const invalid = ['runId', 'workflow', 'occurredAt'].filter((field) => typeof event[field] !== 'string' || event[field] === '');
  if (!Number.isInteger(event['version'])) invalid.push('version');
  if (!(RUN_STATUSES as readonly unknown[]).includes(event['status'])) invalid.push('status');
  if (event['event'] !== undefined && !NOTIFICATION_EVENTS.includes(event['event'] as string)) invalid.push('event');
  if (invalid.length > 0) throw new TerminalMessageError(`run lifecycle event has no valid ${invalid.join(', ')}`);
}

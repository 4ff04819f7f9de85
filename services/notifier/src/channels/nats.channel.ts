import { Injectable } from '@nestjs/common';
import { isInternalSubject, type NatsChannel as NatsConfig } from '@baton/dsl';
import { SubjectPublisher } from '@baton/messaging';
import { inSpan, serviceTracer, SpanKind } from '@baton/telemetry';
import type { ChannelSender, DeliveryAttempt, SendResult } from './channel-sender';

const encoder = new TextEncoder();

/** The notification as JSON on a NATS subject, with the delivery id as `Nats-Msg-Id`. */
@Injectable()
export class NatsChannel implements ChannelSender {
  readonly channel = 'nats';
  private readonly tracer = serviceTracer('notifier');

  constructor(private readonly publisher: SubjectPublisher) {}

  targetOf(config: Record<string, unknown>): string {
    return (config as unknown as NatsConfig).subject;
  }

  async send(attempt: DeliveryAttempt): Promise<SendResult> {
    const subject = this.targetOf(attempt.config);
    if (isInternalSubject(subject)) {
      // The notification carries the run id: on `baton.cmd.cancel-run` it would cancel the run, and
      // `publish` steps are kept off these subjects for the same reason.
      return { delivered: false, error: `${subject} is one of Baton's own subjects (baton.* other than baton.events.*)`, permanent: true };
    }
    try {
      await inSpan(
        this.tracer,
        `publish ${subject}`,
        { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': subject } },
        () => this.publisher.publish(subject, encoder.encode(JSON.stringify(attempt.notification)), attempt.id),
      );
      return { delivered: true };
    } catch (error) {
      return { delivered: false, error: `publish to ${subject} failed: ${(error as Error).message}` };
    }
  }
}

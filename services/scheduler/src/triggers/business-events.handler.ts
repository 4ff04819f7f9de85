import { Injectable } from '@nestjs/common';
import { Streams } from '@baton/contracts';
import { OnJetStreamMessage, type InboundMessage } from '@baton/messaging';
import { MatchEventUseCase } from './match-event.use-case';

/**
 * Consumes every business event. A malformed one is recorded as rejected and acked, so it is never
 * redelivered; only infrastructure failures (registry or NATS unavailable) are retried.
 */
@Injectable()
export class BusinessEventsHandler {
  constructor(private readonly matchEvent: MatchEventUseCase) {}

  @OnJetStreamMessage({ stream: Streams.events, durable: 'scheduler-event-triggers', filterSubject: 'baton.events.>', concurrency: 64 })
  async onEvent(message: InboundMessage): Promise<void> {
    await this.matchEvent.execute({ subject: message.subject, text: message.text() });
  }
}

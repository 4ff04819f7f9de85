import { Injectable } from '@nestjs/common';
import { CloudEventDto, RpcProblemError, Subjects, validatePlain, type CloudEvent } from '@baton/contracts';
import { JetStreamPublisher } from '@baton/messaging';

/**
 * Publishes a CloudEvent to `baton.events.<type>`, exactly as a business system would on NATS:
 * validated (400 with paths) and published as received, extension attributes included.
 */
@Injectable()
export class EventPublishing {
  constructor(private readonly publisher: JetStreamPublisher) {}

  async publish(body: unknown): Promise<{ id: string; source: string; type: string; duplicate: boolean }> {
    const validated = validatePlain(CloudEventDto, body);
    if (!validated.ok) throw RpcProblemError.invalid('not a valid CloudEvents 1.0 envelope', validated.errors);
    const event = body as CloudEvent;
    const ack = await this.publisher.publish(Subjects.event(event.type), event, { msgId: `${event.source}/${event.id}` });
    return { id: event.id, source: event.source, type: event.type, duplicate: ack.duplicate };
  }
}

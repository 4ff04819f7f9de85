import { Injectable } from '@nestjs/common';
import { injectTraceHeaders } from '@baton/telemetry';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { errors, headers as natsHeaders } from '@nats-io/transport-node';
import { NatsClient } from '../nats-client';
import { JetStreamPublisher } from './jetstream-publisher';

/**
 * Publishes to a subject a user named (a `publish` step, a NATS notification): through JetStream
 * when a stream captures the subject, so the stream stores it once per `msgId`, else on core NATS
 * with `Nats-Msg-Id` set so subscribers can deduplicate. The active trace context goes along.
 */
@Injectable()
export class SubjectPublisher {
  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly nats: NatsClient,
  ) {}

  async publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    if (await this.isCapturedByStream(subject)) {
      try {
        await this.publisher.publishRaw(subject, data, { msgId });
        return;
      } catch (error) {
        // The stream went away since the lookup: plain subscribers can still get the message.
        if (!isNoResponders(error)) throw error;
      }
    }
    const headers = natsHeaders();
    headers.set('Nats-Msg-Id', msgId);
    for (const [name, value] of Object.entries(injectTraceHeaders())) headers.set(name, value);
    this.nats.nc.publish(this.nats.subject(subject), data, { headers });
    await this.nats.nc.flush();
  }

  /**
   * Asked before publishing because a JetStream publish to a subject no stream captures only fails
   * fast ("no responders") when nobody listens: with a core subscriber it delivers the message and
   * then times out waiting for an ack, which would fail the attempt and publish it again.
   */
  private async isCapturedByStream(subject: string): Promise<boolean> {
    try {
      await this.nats.jsm.streams.find(this.nats.subject(subject));
      return true;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return false;
      throw error;
    }
  }
}

/** JetStream answers a publish that no stream takes with a 503 "no responders", wrapped in a cause or two. */
function isNoResponders(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof errors.NoRespondersError) return true;
  }
  return false;
}

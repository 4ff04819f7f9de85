import { Injectable } from '@nestjs/common';
import type { PayloadOf, Subject } from '@baton/contracts';
import { injectTraceHeaders, type CarrierHeaders } from '@baton/telemetry';
import type { PubAck } from '@nats-io/jetstream';
import { encodeJson, toNatsHeaders } from '../message-headers';
import { NatsClient } from '../nats-client';
import { asPayloadProblem } from '../payload-limit';

export interface PublishOptions {
  /** `Nats-Msg-Id`: re-publishing the same logical message within the duplicate window is a no-op. */
  msgId: string;
  /** Trace headers to send instead of the active context's (the outbox replays stored ones). */
  traceHeaders?: CarrierHeaders;
}

/** Typed publish to JetStream with a message id and W3C trace headers. */
@Injectable()
export class JetStreamPublisher {
  constructor(private readonly nats: NatsClient) {}

  publish<S extends Subject>(subject: S, payload: PayloadOf<S>, options: PublishOptions): Promise<PubAck> {
    return this.publishRaw(subject, encodeJson(payload), options);
  }

  publishRaw(subject: string, data: Uint8Array, options: PublishOptions): Promise<PubAck> {
    const headers = toNatsHeaders(options.traceHeaders ?? injectTraceHeaders());
    return this.nats.js.publish(this.nats.subject(subject), data, { msgID: options.msgId, headers }).catch((error: unknown) => {
      throw asPayloadProblem(error);
    });
  }
}

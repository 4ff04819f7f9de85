import { Injectable } from '@nestjs/common';
import type { CloudEvent, PublishTaskInput, TaskDispatch } from '@baton/contracts';
import { isNatsSubject } from '@baton/dsl';
import { JetStreamPublisher, NatsClient } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import { BatonAttributes, injectTraceHeaders, inSpan, serviceTracer, SpanKind } from '@baton/telemetry';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { errors, headers as natsHeaders } from '@nats-io/transport-node';
import { completed, failed, type TaskOutcome, type TaskRunner } from './task-runner';

const encoder = new TextEncoder();

/**
 * The built-in `publish` task type: a CloudEvent on a NATS subject, through JetStream when a stream
 * captures the subject, else on core NATS. The event id is the attempt's idempotency key and doubles
 * as `Nats-Msg-Id`: a stream stores a redelivered attempt's event once, core subscribers dedupe by id.
 */
@Injectable()
export class PublishTaskRunner implements TaskRunner {
  readonly taskType = 'publish';
  private readonly tracer = serviceTracer('executor');

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly nats: NatsClient,
    private readonly clock: Clock,
  ) {}

  async run(dispatch: TaskDispatch): Promise<TaskOutcome> {
    const input = parsePublishInput(dispatch.input);
    if (typeof input === 'string') return failed(`invalid publish task input: ${input}`, false, 'invalid-input');
    const event = toCloudEvent(dispatch.idempotencyKey, input, this.clock.now());
    const attributes = {
      [BatonAttributes.subject]: input.subject,
      [BatonAttributes.runId]: dispatch.runId,
      [BatonAttributes.stepId]: dispatch.stepId,
      [BatonAttributes.attempt]: dispatch.attempt,
    };
    try {
      await inSpan(this.tracer, `publish ${input.subject}`, { kind: SpanKind.PRODUCER, attributes }, () =>
        this.send(input.subject, encoder.encode(JSON.stringify(event)), event.id),
      );
    } catch (error) {
      // The server refused the message (a stream limit, a size limit): report it to the run.
      if (error instanceof JetStreamApiError)
        return failed(`publish to ${input.subject} was refused: ${error.message}`, true, 'publish.refused');
      throw error;
    }
    return completed({ subject: input.subject, id: event.id });
  }

  private async send(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    if (await this.isCapturedByStream(subject)) {
      try {
        await this.publisher.publishRaw(subject, data, { msgId });
        return;
      } catch (error) {
        // The stream went away since the lookup: plain subscribers can still get the event.
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
   * fast ("no responders") when nobody listens: with a core subscriber it delivers the event and
   * then times out waiting for an ack, which would fail the attempt and publish the event again.
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

function toCloudEvent(id: string, input: PublishTaskInput, now: Date): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: input.source,
    type: input.eventType,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    ...(input.data === undefined ? {} : { data: input.data }),
  };
}

function parsePublishInput(raw: unknown): PublishTaskInput | string {
  if (typeof raw !== 'object' || raw === null) return 'expected an object';
  const input = raw as Partial<PublishTaskInput>;
  if (typeof input.subject !== 'string' || !isNatsSubject(input.subject)) return 'subject must be a NATS subject without wildcards';
  if (typeof input.eventType !== 'string' || input.eventType === '') return 'eventType must be a non-empty string';
  if (typeof input.source !== 'string' || input.source === '') return 'source must be a non-empty string';
  return { subject: input.subject, eventType: input.eventType, source: input.source, data: input.data };
}

/** JetStream answers a publish that no stream takes with a 503 "no responders", wrapped in a cause or two. */
function isNoResponders(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof errors.NoRespondersError) return true;
  }
  return false;
}

import { Injectable } from '@nestjs/common';
import type { CloudEvent, PublishTaskInput, TaskDispatch } from '@baton/contracts';
import { isNatsSubject } from '@baton/dsl';
import { SubjectPublisher } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import { BatonAttributes, inSpan, serviceTracer, SpanKind } from '@baton/telemetry';
import { JetStreamApiError } from '@nats-io/jetstream';
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
    private readonly publisher: SubjectPublisher,
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
        this.publisher.publish(input.subject, encoder.encode(JSON.stringify(event)), event.id),
      );
    } catch (error) {
      // The server refused the message (a stream limit, a size limit): report it to the run.
      if (error instanceof JetStreamApiError)
        return failed(`publish to ${input.subject} was refused: ${error.message}`, true, 'publish.refused');
      throw error;
    }
    return completed({ subject: input.subject, id: event.id });
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

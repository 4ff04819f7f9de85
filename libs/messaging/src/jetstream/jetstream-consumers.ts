import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Subjects } from '@baton/contracts';
import { addProbe, BatonAttributes, extractTraceContext, inSpan, Metrics, recordSpan, serviceTracer, SpanKind } from '@baton/telemetry';
import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { DecoratedMethods } from '../decorated-methods';
import { decodeText, encodeJson, fromNatsHeaders } from '../message-headers';
import { NatsClient } from '../nats-client';
import { SERVICE_NAME } from '../tokens';
import { CONSUMER_SPEC, DEFAULT_CONSUMER, TerminalMessageError, type ConsumerSpec, type InboundMessage } from './consumer-spec';
import { JetStreamPublisher } from './jetstream-publisher';

type Handler = (message: InboundMessage) => Promise<void>;

interface RunningConsumer {
  messages: ConsumerMessages;
  loop: Promise<void>;
  removeProbes: () => void;
}

/**
 * Finds every `@OnJetStreamMessage` method at start-up, creates its durable consumer and feeds it
 * messages with bounded concurrency. Explicit acks; failures are nak'ed with a growing delay and
 * dead-lettered after `maxDeliver`, so a poison message never blocks the stream.
 */
@Injectable()
export class JetStreamConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JetStreamConsumers.name);
  private readonly running: RunningConsumer[] = [];

  constructor(
    private readonly nats: NatsClient,
    private readonly publisher: JetStreamPublisher,
    private readonly decorated: DecoratedMethods,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const { metadata: spec, method: handler } of this.decorated.find<ConsumerSpec, Handler>(CONSUMER_SPEC)) {
      await this.ensureConsumer(spec);
      this.running.push(await this.start(spec, handler));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const consumer of this.running) {
      consumer.removeProbes();
      consumer.messages.stop();
    }
    await Promise.allSettled(this.running.map((c) => c.loop));
  }

  private async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    const stream = this.nats.streamName(spec.stream.name);
    const settings = {
      ack_wait: nanos(spec.ackWaitMs ?? DEFAULT_CONSUMER.ackWaitMs),
      max_deliver: spec.maxDeliver ?? DEFAULT_CONSUMER.maxDeliver,
      max_ack_pending: 10_000,
      filter_subject: this.nats.subject(spec.filterSubject),
    };
    try {
      await this.nats.jsm.consumers.info(stream, spec.durable);
      await this.nats.jsm.consumers.update(stream, spec.durable, settings);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      await this.nats.jsm.consumers
        .add(stream, { ...settings, durable_name: spec.durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All })
        .catch(() => this.nats.jsm.consumers.update(stream, spec.durable, settings));
    }
  }

  private async start(spec: ConsumerSpec, handler: Handler): Promise<RunningConsumer> {
    const concurrency = spec.concurrency ?? DEFAULT_CONSUMER.concurrency;
    const consumer = await this.nats.js.consumers.get(this.nats.streamName(spec.stream.name), spec.durable);
    const messages = await consumer.consume({ max_messages: concurrency * 2 });
    const loop = (async () => {
      const inFlight = new Set<Promise<void>>();
      for await (const msg of messages) {
        const task = this.handle(spec, handler, msg).finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
      await Promise.allSettled(inFlight);
    })();
    return { messages, loop, removeProbes: this.probeLag(spec) };
  }

  /** Queue lag of the durable consumer, read from JetStream at scrape time. */
  private probeLag(spec: ConsumerSpec): () => void {
    // Both gauges are read in the same scrape: one consumer-info request serves them.
    let reading: { at: number; info: ReturnType<JetStreamManager['consumers']['info']> } | undefined;
    const info = () => {
      if (!reading || Date.now() - reading.at > 1000) {
        reading = { at: Date.now(), info: this.nats.jsm.consumers.info(this.nats.streamName(spec.stream.name), spec.durable) };
      }
      return reading.info;
    };
    const labels = { consumer: spec.durable };
    const removers = [
      addProbe(Metrics.consumerPending, async () => [{ labels, value: (await info()).num_pending }]),
      addProbe(Metrics.consumerAckPending, async () => [{ labels, value: (await info()).num_ack_pending }]),
    ];
    return () => removers.forEach((remove) => remove());
  }

  private async handle(spec: ConsumerSpec, handler: Handler, msg: JsMsg): Promise<void> {
    const headers = fromNatsHeaders(msg.headers);
    const subject = this.nats.logicalSubject(msg.subject);
    const message: InboundMessage = {
      subject,
      data: msg.data,
      headers,
      deliveryCount: msg.info.deliveryCount,
      storedAt: msg.time,
      text: () => decodeText(msg.data),
      json: <T>() => {
        try {
          return JSON.parse(decodeText(msg.data)) as T;
        } catch (error) {
          throw new TerminalMessageError(`body is not valid JSON: ${(error as Error).message}`);
        }
      },
      working: () => msg.working(),
    };
    const tracer = serviceTracer(this.serviceName);
    const parent = extractTraceContext(headers);
    const takenAt = new Date();
    Metrics.queueWait.observe({ consumer: spec.durable }, Math.max(0, takenAt.getTime() - msg.time.getTime()) / 1000);
    recordSpan(tracer, `queue wait ${spec.durable}`, {
      kind: SpanKind.CONSUMER,
      parent,
      startTime: msg.time,
      endTime: takenAt,
      attributes: {
        [BatonAttributes.subject]: subject,
        'messaging.consumer.group.name': spec.durable,
        'baton.delivery': message.deliveryCount,
      },
    });
    // Long handlers (an HTTP call with a generous timeout) must not be redelivered mid-flight.
    const ackWait = spec.ackWaitMs ?? DEFAULT_CONSUMER.ackWaitMs;
    const keepAlive = setInterval(() => msg.working(), Math.max(1000, ackWait / 3));
    try {
      await inSpan(
        tracer,
        `process ${spec.filterSubject}`,
        {
          kind: SpanKind.CONSUMER,
          parent,
          attributes: { [BatonAttributes.subject]: subject, 'messaging.consumer.group.name': spec.durable },
        },
        () => handler(message),
      );
      msg.ack();
    } catch (error) {
      await this.fail(spec, msg, message, error as Error);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async fail(spec: ConsumerSpec, msg: JsMsg, message: InboundMessage, error: Error): Promise<void> {
    const maxDeliver = spec.maxDeliver ?? DEFAULT_CONSUMER.maxDeliver;
    const terminal = error instanceof TerminalMessageError;
    if (!terminal && message.deliveryCount < maxDeliver) {
      const delay = (spec.redeliveryDelayMs ?? DEFAULT_CONSUMER.redeliveryDelayMs)(message.deliveryCount);
      this.logger.warn(`${spec.durable}: delivery ${message.deliveryCount} of ${message.subject} failed, retrying: ${error.message}`);
      msg.nak(delay);
      return;
    }
    this.logger.error(`${spec.durable}: dead-lettering ${message.subject} after ${message.deliveryCount} deliveries: ${error.message}`);
    try {
      await this.publisher.publishRaw(
        Subjects.deadLetter(spec.durable),
        encodeJson({
          subject: message.subject,
          durable: spec.durable,
          deliveries: message.deliveryCount,
          error: error.message,
          body: message.text(),
        }),
        { msgId: `dlq:${spec.durable}:${msg.info.streamSequence}`, traceHeaders: message.headers },
      );
      msg.term(error.message.slice(0, 200));
    } catch (dlqError) {
      this.logger.error(`${spec.durable}: dead-letter publish failed, leaving for redelivery: ${(dlqError as Error).message}`);
      msg.nak(DEFAULT_CONSUMER.ackWaitMs);
    }
  }
}

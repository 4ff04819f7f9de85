import { SetMetadata } from '@nestjs/common';
import type { StreamSpec } from '@baton/contracts';
import type { CarrierHeaders } from '@baton/telemetry';

export interface ConsumerSpec {
  stream: StreamSpec;
  /** Durable consumer name; replicas of a service share it and split the work. */
  durable: string;
  /** Logical subject filter (one per consumer: NATS 2.9 has no multi-filter consumers). */
  filterSubject: string;
  /** Deliveries before a message is dead-lettered. */
  maxDeliver?: number;
  /**
   * How long an unacknowledged delivery waits before redelivery, e.g. after a crash. Handlers that
   * run longer are kept alive automatically, so this only bounds recovery time.
   */
  ackWaitMs?: number;
  /** Messages handled at once by this process. */
  concurrency?: number;
  /** Delay before a failed message is offered again, by the delivery that failed. */
  redeliveryDelayMs?: (deliveryCount: number) => number;
}

/** A message handed to a consumer method; return to ack, throw to nak (or dead-letter). */
export interface InboundMessage {
  /** Subject without the namespace prefix. */
  subject: string;
  data: Uint8Array;
  headers: CarrierHeaders;
  deliveryCount: number;
  /** When JetStream stored the message: the same on every delivery, unlike the time it is handled. */
  storedAt: Date;
  /** JSON payload; throws {@link TerminalMessageError} when the body is not JSON. */
  json<T>(): T;
  text(): string;
  /** Extends the ack deadline while long work is in progress. */
  working(): void;
}

/** Thrown by a handler when retrying cannot help: the message goes straight to the dead-letter subject. */
export class TerminalMessageError extends Error {
  override name = 'TerminalMessageError';
}

export const CONSUMER_SPEC = Symbol('BATON_JETSTREAM_CONSUMER');

/** Marks a provider method as the handler of a durable JetStream consumer. */
export const OnJetStreamMessage = (spec: ConsumerSpec): MethodDecorator => SetMetadata(CONSUMER_SPEC, spec);

export const DEFAULT_CONSUMER = {
  maxDeliver: 10,
  ackWaitMs: 15_000,
  concurrency: 32,
  redeliveryDelayMs: (deliveryCount: number) => Math.min(30_000, 250 * 2 ** (deliveryCount - 1)),
} as const;

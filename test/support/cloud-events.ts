import { randomUUID } from 'node:crypto';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';

export function cloudEvent(type: string, data: unknown, overrides: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'tests/orders',
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    ...overrides,
  };
}

/** Publishes to JetStream as a business system would: `Nats-Msg-Id` from the event id, optional traceparent. */
export async function publishEvent(nc: NatsConnection, subject: string, event: unknown, traceparent?: string): Promise<void> {
  const hdrs = headers();
  if (traceparent) hdrs.set('traceparent', traceparent);
  const id = (event as { id?: string }).id;
  await jetstream(nc).publish(subject, typeof event === 'string' ? event : JSON.stringify(event), {
    headers: hdrs,
    ...(id ? { msgID: id } : {}),
  });
}

import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { Platform } from './support/platform';

interface TriggeredRun {
  id: string;
  workflow: string;
  input: Record<string, unknown>;
  trigger: { kind: string; eventId?: string; triggerIndex?: number };
}

describe('event triggers', () => {
  let platform: Platform;
  let nc: NatsConnection;

  const register = async (definition: unknown) => expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
  const runsOf = async (workflow: string, eventId: string): Promise<TriggeredRun[]> => {
    const { body } = await platform.api<{ items: { id: string }[] }>('GET', `/v1/runs?workflow=${workflow}&limit=500`);
    const runs = await Promise.all(body.items.map(async ({ id }) => (await platform.api<TriggeredRun>('GET', `/v1/runs/${id}`)).body));
    return runs
      .filter((run) => run.trigger.eventId === eventId)
      .sort((a, b) => Number(a.trigger.triggerIndex) - Number(b.trigger.triggerIndex));
  };

  beforeAll(async () => {
    platform = await Platform.start();
    nc = await platform.nats();
    const step = [{ id: 'echo', type: 'transform', output: '${ input }' }];
    await register({
      name: 'order-router',
      triggers: [
        { event: 'order.placed', filter: 'event.data.total >= 100', input: { lane: 'large', orderId: '${ event.data.orderId }' } },
        { event: 'order.placed', input: { lane: 'all', orderId: '${ event.data.orderId }', from: '${ event.source }' } },
        { event: 'order.placed', filter: 'event.data.total * "x"', input: { lane: 'never' } },
      ],
      steps: step,
    });
    await register({ name: 'order-audit', triggers: [{ event: 'order.placed' }], steps: step });
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.cleanup();
  });

  it('starts one run per matching trigger of every workflow, each with its own input, once per source and id', async () => {
    const event = cloudEvent('order.placed', { orderId: 'o-500', total: 250 });
    await publishEvent(nc, platform.subject('baton.events.order.placed'), event);
    // The same event again, under another Nats-Msg-Id: deduplicated by source + id per trigger.
    await publishEvent(nc, platform.subject('baton.events.order.placed'), { ...event, time: new Date().toISOString() });
    await publishEvent(nc, platform.subject('baton.events.order.placed'), cloudEvent('order.placed', { orderId: 'o-9', total: 5 }));

    await expect.poll(async () => (await runsOf('order-router', event.id)).length, { timeout: 15_000 }).toBe(2);
    await expect.poll(async () => (await runsOf('order-audit', event.id)).length, { timeout: 15_000 }).toBe(1);
    await new Promise((done) => setTimeout(done, 1000));
    const routed = await runsOf('order-router', event.id);
    expect(routed.map((run) => [run.trigger.triggerIndex, run.input])).toEqual([
      [0, { lane: 'large', orderId: 'o-500' }],
      [1, { lane: 'all', orderId: 'o-500', from: 'tests/orders' }],
    ]);
    expect((await runsOf('order-audit', event.id))[0].input).toEqual({ orderId: 'o-500', total: 250 });
  });

  it('records why an event started nothing when every matching trigger failed to evaluate', async () => {
    await register({
      name: 'broken-filter',
      triggers: [{ event: 'invoice.sent', filter: 'event.data.amount * "x"' }],
      steps: [{ id: 'a', type: 'transform', output: 1 }],
    });
    const event = cloudEvent('invoice.sent', { amount: 3 });
    await publishEvent(nc, platform.subject('baton.events.invoice.sent'), event);
    await expect
      .poll(
        async () => {
          const { body } = await platform.api<{ items: { reason: string; event: { id?: string } }[] }>('GET', '/v1/events/rejected');
          return body.items.find((item) => item.event.id === event.id)?.reason;
        },
        { timeout: 15_000 },
      )
      .toBe('a trigger could not evaluate its filter or input');
  });
});

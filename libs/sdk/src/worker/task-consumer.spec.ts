import type { TaskDispatch } from '@baton/contracts';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { NatsNames } from '../nats-names';
import { TaskConsumer } from './task-consumer';
import { TerminalError } from './task-errors';
import { DEFAULT_HANDLER_OPTIONS, type TaskHandler, type TaskHandlerOptions } from './task-handler';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const dispatchOf = (n: number): TaskDispatch => ({
  taskId: `run-1:charge:${n}`,
  runId: 'run-1',
  stepId: 'charge',
  attempt: n,
  idempotencyKey: `run-1:charge:${n}`,
  input: { amount: n },
  deadline: '2026-11-24T10:05:00.000Z',
});

/** The calls a delivery received, in order. */
function fakeMsg(body: unknown, events: string[]) {
  const hdrs = headers();
  hdrs.set('traceparent', TRACEPARENT);
  return {
    subject: 'ns.baton.tasks.charge-card',
    seq: 7,
    data: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
    headers: hdrs,
    info: { deliveryCount: 1 },
    ack: () => void events.push('ack'),
    nak: (delay?: number) => void events.push(`nak ${delay}`),
    term: (reason?: string) => void events.push(`term ${reason}`),
    working: () => void events.push('working'),
  } as unknown as JsMsg;
}

interface Published {
  subject: string;
  body: Record<string, unknown>;
  msgID?: string;
  traceparent?: string;
}

/**
 * A JetStream whose consumer hands out `messages` in the first fetch, then waits (as an idle pull
 * does) until the fetch is closed.
 */
function fakeJetStream(messages: JsMsg[], events: string[], publish: (p: Published) => Promise<void> = async () => undefined) {
  const fetches: number[] = [];
  const published: Published[] = [];
  const consumer = {
    fetch: async ({ max_messages }: { max_messages: number }) => {
      fetches.push(max_messages);
      const batch = fetches.length === 1 ? messages.splice(0, max_messages) : [];
      let close!: () => void;
      const closed = new Promise<void>((done) => (close = done));
      return {
        close: async () => close(),
        async *[Symbol.asyncIterator]() {
          yield* batch;
          await closed;
        },
      };
    },
  };
  const js = {
    consumers: { get: async () => consumer },
    publish: async (subject: string, data: Uint8Array, options: { msgID?: string; headers?: MsgHdrs }) => {
      const entry = {
        subject,
        body: JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>,
        msgID: options.msgID,
        traceparent: options.headers?.get('traceparent'),
      };
      await publish(entry);
      published.push(entry);
      events.push(`publish ${entry.body['status']}`);
      return { stream: 'NS_BATON_RESULTS', seq: published.length, duplicate: false };
    },
  } as unknown as JetStreamClient;
  return { js, published, fetches };
}

function consumerWith(js: JetStreamClient, handler: TaskHandler, options: TaskHandlerOptions = {}) {
  const logged: string[] = [];
  const consumer = new TaskConsumer({
    taskType: 'charge-card',
    handler,
    options: { ...DEFAULT_HANDLER_OPTIONS, ...options },
    names: new NatsNames('ns'),
    js,
    jsm: {} as JetStreamManager,
    logger: { warn: (m) => void logged.push(m), error: (m) => void logged.push(m) },
    maxPayloadBytes: () => 1024 * 1024,
  });
  return { consumer, logged };
}

const settle = () => new Promise((done) => setTimeout(done, 20));

describe('TaskConsumer', () => {
  it('publishes the result keyed by task id with the trace of the dispatch, and acks only once it is stored', async () => {
    const events: string[] = [];
    let storeResult!: () => void;
    const stored = new Promise<void>((done) => (storeResult = done));
    const { js, published } = fakeJetStream([fakeMsg(dispatchOf(1), events)], events, () => stored);
    const seen: unknown[] = [];
    const { consumer } = consumerWith(js, async (input, ctx) => {
      seen.push([input, ctx.idempotencyKey, ctx.deadline.toISOString(), ctx.deliveryCount]);
      return { chargeId: 'ch-1' };
    });

    consumer.start();
    await settle();
    expect(events).toEqual([]); // the result is not stored yet: no ack
    storeResult();
    await consumer.stop();

    expect(seen).toEqual([[{ amount: 1 }, 'run-1:charge:1', '2026-11-24T10:05:00.000Z', 1]]);
    expect(published).toEqual([
      {
        subject: 'ns.baton.results.task',
        msgID: 'result:run-1:charge:1',
        traceparent: TRACEPARENT,
        body: { taskId: 'run-1:charge:1', runId: 'run-1', stepId: 'charge', attempt: 1, status: 'completed', output: { chargeId: 'ch-1' } },
      },
    ]);
    expect(events).toEqual(['publish completed', 'ack']);
  });

  it('reports thrown errors as failed results', async () => {
    const events: string[] = [];
    const { js, published } = fakeJetStream([fakeMsg(dispatchOf(1), events)], events);
    const { consumer } = consumerWith(js, () => {
      throw new TerminalError('card declined');
    });
    consumer.start();
    await settle();
    await consumer.stop();
    expect(published[0].body).toMatchObject({ status: 'failed', error: { message: 'card declined', retryable: false } });
    expect(events).toEqual(['publish failed', 'ack']);
  });

  it('naks the dispatch when the result cannot be stored, so the attempt comes back', async () => {
    const events: string[] = [];
    const { js } = fakeJetStream([fakeMsg(dispatchOf(1), events)], events, async () => {
      throw new Error('no responders');
    });
    const { consumer, logged } = consumerWith(js, async () => 'done');
    consumer.start();
    await settle();
    await consumer.stop();
    expect(events).toEqual(['nak 1000']);
    expect(logged.join('\n')).toMatch(/could not store the result of run-1:charge:1.*no responders/);
  });

  it('terminates a dispatch that cannot be answered, without running the handler', async () => {
    const events: string[] = [];
    const { js, published } = fakeJetStream([fakeMsg('{"taskId": "x"}', events)], events);
    let ran = false;
    const { consumer, logged } = consumerWith(js, () => (ran = true));
    consumer.start();
    await settle();
    await consumer.stop();
    expect(ran).toBe(false);
    expect(published).toEqual([]);
    expect(events).toEqual([expect.stringMatching(/^term task dispatch has no valid runId/)]);
    expect(logged[0]).toMatch(/dropping ns.baton.tasks.charge-card #7/);
  });

  it('heartbeats and keeps the delivery alive while the handler runs', async () => {
    const events: string[] = [];
    const { js, published } = fakeJetStream([fakeMsg(dispatchOf(2), events)], events);
    const { consumer } = consumerWith(js, () => new Promise((done) => setTimeout(() => done('ok'), 450)), { heartbeatMs: 100 });
    consumer.start();
    await settle();
    await consumer.stop();
    const heartbeats = published.filter((p) => p.body['status'] === 'running');
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect(heartbeats[0]).toEqual({
      subject: 'ns.baton.results.task',
      msgID: 'heartbeat:run-1:charge:2:1',
      traceparent: TRACEPARENT,
      body: { taskId: 'run-1:charge:2', attempt: 2, status: 'running' },
    });
    expect(events.filter((e) => e === 'working').length).toBeGreaterThanOrEqual(heartbeats.length);
    expect(events.slice(-2)).toEqual(['publish completed', 'ack']);
  });

  it('pulls no more dispatches than it has free slots, and stop() waits for the running ones', async () => {
    const events: string[] = [];
    const messages = [1, 2, 3, 4, 5].map((n) => fakeMsg(dispatchOf(n), events));
    const { js, published, fetches } = fakeJetStream(messages, events);
    let running = 0;
    let mostAtOnce = 0;
    const { consumer } = consumerWith(
      js,
      async () => {
        mostAtOnce = Math.max(mostAtOnce, ++running);
        await new Promise((done) => setTimeout(done, 100));
        running--;
      },
      { concurrency: 3 },
    );
    consumer.start();
    await settle();
    await consumer.stop();
    expect(fetches[0]).toBe(3);
    expect(mostAtOnce).toBe(3);
    expect(published.map((p) => p.body['taskId'])).toEqual(['run-1:charge:1', 'run-1:charge:2', 'run-1:charge:3']);
    expect(events.filter((e) => e === 'ack')).toHaveLength(3);
  });
});

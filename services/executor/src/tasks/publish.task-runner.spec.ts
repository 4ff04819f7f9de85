import type { TaskDispatch } from '@baton/contracts';
import { SubjectPublisher, type JetStreamPublisher, type NatsClient } from '@baton/messaging';
import type { Clock } from '@baton/runtime';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { errors, type MsgHdrs } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { PublishTaskRunner } from './publish.task-runner';

const NOW = new Date('2026-03-01T10:00:00.000Z');

const dispatch: TaskDispatch = {
  taskId: 'run-1:ship:1',
  runId: 'run-1',
  stepId: 'ship',
  attempt: 1,
  idempotencyKey: 'run-1:ship:1',
  input: {
    subject: 'baton.events.shipment.requested',
    eventType: 'shipment.requested',
    source: 'baton/orders/run-1',
    data: { orderId: 'o-1' },
  },
  deadline: '2000-01-01T00:00:00.000Z',
};

const noStreamMatches = () =>
  new JetStreamApiError({ err_code: JetStreamApiCodes.StreamNotFound, code: 404, description: 'no stream matches subject' });

const decode = (data: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(data));

interface Fakes {
  /** Stream capturing a (namespaced) subject, if any. */
  streamOf?: (subject: string) => string | undefined;
  publishRaw?: (subject: string, data: Uint8Array, options: { msgId: string }) => Promise<unknown>;
}

function runnerWith({ streamOf = () => 'BATON_EVENTS', publishRaw = async () => ({}) }: Fakes) {
  const jetStreamPublished: { subject: string; event: unknown; msgId: string }[] = [];
  const corePublished: { subject: string; event: unknown; headers?: MsgHdrs }[] = [];
  const publisher = {
    publishRaw: async (subject: string, data: Uint8Array, options: { msgId: string }) => {
      await publishRaw(subject, data, options);
      jetStreamPublished.push({ subject, event: decode(data), msgId: options.msgId });
    },
  } as unknown as JetStreamPublisher;
  const nats = {
    subject: (logical: string) => `test.${logical}`,
    jsm: {
      streams: {
        find: async (subject: string) => {
          const stream = streamOf(subject);
          if (stream === undefined) throw noStreamMatches();
          return stream;
        },
      },
    },
    nc: {
      publish: (subject: string, data: Uint8Array, options?: { headers?: MsgHdrs }) =>
        corePublished.push({ subject, event: decode(data), headers: options?.headers }),
      flush: async () => undefined,
    },
  } as unknown as NatsClient;
  const clock: Clock = { now: () => NOW };
  return { runner: new PublishTaskRunner(new SubjectPublisher(publisher, nats), clock), jetStreamPublished, corePublished };
}

describe('PublishTaskRunner', () => {
  it('publishes a CloudEvent to the stream that captures the subject, its id and Nats-Msg-Id the idempotency key', async () => {
    const looked: string[] = [];
    const { runner, jetStreamPublished, corePublished } = runnerWith({ streamOf: (subject) => (looked.push(subject), 'BATON_EVENTS') });

    const outcome = await runner.run(dispatch);

    expect(looked).toEqual(['test.baton.events.shipment.requested']);
    expect(jetStreamPublished).toEqual([
      {
        subject: 'baton.events.shipment.requested',
        msgId: 'run-1:ship:1',
        event: {
          specversion: '1.0',
          id: 'run-1:ship:1',
          source: 'baton/orders/run-1',
          type: 'shipment.requested',
          time: '2026-03-01T10:00:00.000Z',
          datacontenttype: 'application/json',
          data: { orderId: 'o-1' },
        },
      },
    ]);
    expect(corePublished).toEqual([]);
    expect(outcome).toEqual({ status: 'completed', output: { subject: 'baton.events.shipment.requested', id: 'run-1:ship:1' } });
  });

  it('publishes on core NATS, namespaced and with Nats-Msg-Id, when no stream captures the subject', async () => {
    const { runner, jetStreamPublished, corePublished } = runnerWith({ streamOf: () => undefined });

    const outcome = await runner.run({ ...dispatch, input: { subject: 'custom.thing', eventType: 'thing', source: 's' } });

    expect(outcome).toEqual({ status: 'completed', output: { subject: 'custom.thing', id: 'run-1:ship:1' } });
    expect(jetStreamPublished).toEqual([]);
    expect(corePublished).toHaveLength(1);
    expect(corePublished[0].subject).toBe('test.custom.thing');
    expect(corePublished[0].headers?.get('Nats-Msg-Id')).toBe('run-1:ship:1');
    expect(corePublished[0].event).toMatchObject({ id: 'run-1:ship:1', type: 'thing' });
  });

  it('falls back to core NATS when JetStream answers "no responders" after all', async () => {
    const noResponders = new Error('jetstream is not enabled', {
      cause: new errors.RequestError('no responders', { cause: new errors.NoRespondersError('test.custom.thing') }),
    });
    const { runner, corePublished } = runnerWith({
      publishRaw: async () => {
        throw noResponders;
      },
    });

    expect(await runner.run(dispatch)).toMatchObject({ status: 'completed' });
    expect(corePublished).toHaveLength(1);
  });

  it('throws when NATS does not answer, so the same attempt is redelivered', async () => {
    const { runner, corePublished } = runnerWith({
      publishRaw: async () => {
        throw new errors.TimeoutError();
      },
    });

    await expect(runner.run(dispatch)).rejects.toThrow('timeout');
    expect(corePublished).toEqual([]);
  });

  it('fails retryably when the stream refuses the message', async () => {
    const { runner } = runnerWith({
      publishRaw: async () => {
        throw new JetStreamApiError({ err_code: 10054, code: 503, description: 'maximum messages exceeded' });
      },
    });

    expect(await runner.run(dispatch)).toEqual({
      status: 'failed',
      error: {
        message: 'publish to baton.events.shipment.requested was refused: maximum messages exceeded',
        retryable: true,
        code: 'publish.refused',
      },
    });
  });

  it('fails for good on invalid input', async () => {
    const { runner } = runnerWith({});

    expect(await runner.run({ ...dispatch, input: { subject: 'baton.events.>', eventType: 't', source: 's' } })).toMatchObject({
      status: 'failed',
      error: { retryable: false },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { BatonWorker } from './baton-worker';

const worker = (namespace?: string) => new BatonWorker({ servers: 'nats://127.0.0.1:1', namespace });
const noop = async () => undefined;

describe('BatonWorker registration', () => {
  it('takes one handler per task type, chainable', () => {
    const w = worker();
    expect(w.handle('charge-card', noop).handle('ship-parcel', noop)).toBe(w);
    expect(() => w.handle('charge-card', noop)).toThrow(/already has a handler/);
  });

  it('refuses task types no definition could use, and the built-in ones', () => {
    expect(() => worker().handle('Charge.Card', noop)).toThrow(/must match/);
    expect(() => worker().handle('http', noop)).toThrow(/reserved/);
  });

  it('refuses options that cannot work', () => {
    expect(() => worker().handle('a', noop, { concurrency: 0 })).toThrow(/concurrency must be an integer ≥ 1/);
    expect(() => worker().handle('a', noop, { concurrency: 1.5, heartbeatMs: 10, ackWaitMs: 10, maxDeliver: 0 })).toThrow(
      /concurrency .*; heartbeatMs .*; ackWaitMs .*; maxDeliver/,
    );
    expect(() => worker().handle('a', noop, { concurrency: undefined, heartbeatMs: 500 })).not.toThrow();
  });

  it('refuses a namespace the platform would refuse', () => {
    expect(() => worker('Prod.EU')).toThrow(/namespace/);
    expect(worker('prod-eu').names.tasksStream).toBe('PROD_EU_BATON_TASKS');
  });

  it('does not start without handlers, and stopping a worker that never started is a no-op', async () => {
    const w = worker();
    await expect(w.start()).rejects.toThrow(/at least one handler/);
    await expect(w.stop()).resolves.toBeUndefined();
    expect(w.isRunning).toBe(false);
  });
});

import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { HttpTarget } from './support/http-target';
import { Platform } from './support/platform';
import {
  RECOVERY_TIMEOUT_MS,
  answerSlowly,
  chargeCalls,
  chargeCallsAwaitingAnswerAt,
  expectAllRunsCompleted,
  expectOneIdempotencyKeyPerStep,
  idempotencyKeyOf,
  orderIdOfRun,
  slowChargeDefinition,
  startRuns,
  waitForChargeCalls,
  waitForTerminalRuns,
} from './support/slow-charge';

const WORKFLOW = 'crash-charge';
const EVENT_TYPE = 'crash.order.placed';
const CALL_DELAY_MS = 1500;
const API_RUNS = 15;
const EVENT_RUNS = 5;
const TOTAL_RUNS = API_RUNS + EVENT_RUNS;

describe('kill -9 of the platform while HTTP steps are in flight', () => {
  let platform: Platform;
  let target: HttpTarget;
  let nc: NatsConnection;

  beforeAll(async () => {
    target = await HttpTarget.start();
    answerSlowly(target, CALL_DELAY_MS);
    platform = await Platform.start();
    nc = await platform.nats();
    const registered = await platform.api(
      'POST',
      '/v1/definitions',
      slowChargeDefinition(target, { workflow: WORKFLOW, eventType: EVENT_TYPE }),
    );
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  });

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await platform?.cleanup();
    await target?.close();
  });

  it('completes every run after a restart, calling each step with one idempotency key', { timeout: 170_000 }, async () => {
    const batch = randomBytes(3).toString('hex');
    const apiOrders = Array.from({ length: API_RUNS }, (_, i) => `api-${batch}-${i}`);
    const eventOrders = Array.from({ length: EVENT_RUNS }, (_, i) => `evt-${batch}-${i}`);

    await startRuns(platform, WORKFLOW, apiOrders);
    for (const orderId of eventOrders) {
      await publishEvent(nc, platform.subject(`baton.events.${EVENT_TYPE}`), cloudEvent(EVENT_TYPE, { orderId }));
    }

    // Crash once most calls have reached the slow service and none can have been answered yet.
    await waitForChargeCalls(target, API_RUNS);
    const killedAt = Date.now();
    await platform.kill();
    const interrupted = chargeCallsAwaitingAnswerAt(target, killedAt, CALL_DELAY_MS);
    expect(interrupted.length, 'calls still waiting for their answer when the platform died').toBeGreaterThan(0);

    await platform.launch();

    const runs = await waitForTerminalRuns(platform, WORKFLOW, TOTAL_RUNS, RECOVERY_TIMEOUT_MS);
    expectAllRunsCompleted(runs);
    expect(new Set(runs.map(orderIdOfRun))).toEqual(new Set([...apiOrders, ...eventOrders]));

    const calls = chargeCalls(target);
    expectOneIdempotencyKeyPerStep(runs, calls);

    // The interrupted calls never got their answer through, so each was made again, with the same key.
    for (const call of interrupted) {
      const again = calls.filter((c) => idempotencyKeyOf(c) === idempotencyKeyOf(call) && c.receivedAt > killedAt);
      expect(again.length, `repeat of the interrupted call ${idempotencyKeyOf(call)}`).toBeGreaterThan(0);
    }
  });
});

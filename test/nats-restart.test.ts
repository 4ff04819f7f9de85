import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget } from './support/http-target';
import { Platform, sleep } from './support/platform';
import { PrivateNats } from './support/private-nats';
import {
  RECOVERY_TIMEOUT_MS,
  answerSlowly,
  chargeCalls,
  chargeCallsAwaitingAnswerAt,
  expectAllRunsCompleted,
  expectOneIdempotencyKeyPerStep,
  slowChargeDefinition,
  startRuns,
  waitForChargeCalls,
  waitForTerminalRuns,
} from './support/slow-charge';

const WORKFLOW = 'nats-restart-charge';
const CALL_DELAY_MS = 1500;
const RUNS = 20;
const OUTAGE_MS = 2000;

describe('a NATS server restart while runs are in flight', () => {
  let nats: PrivateNats;
  let platform: Platform;
  let target: HttpTarget;

  beforeAll(async () => {
    nats = await PrivateNats.start();
    target = await HttpTarget.start();
    answerSlowly(target, CALL_DELAY_MS);
    platform = await Platform.start({ natsUrl: nats.url });
    const registered = await platform.api('POST', '/v1/definitions', slowChargeDefinition(target, { workflow: WORKFLOW }));
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  });

  afterAll(async () => {
    // The platform's cleanup deletes its streams, so NATS must be up for it.
    if (nats && !nats.running) await nats.start().catch(() => undefined);
    await platform?.cleanup();
    await target?.close();
    await nats?.cleanup();
  });

  it('completes every run, with one idempotency key per step, and is ready again', { timeout: 170_000 }, async () => {
    const batch = randomBytes(3).toString('hex');
    const orders = Array.from({ length: RUNS }, (_, i) => `o-${batch}-${i}`);
    await startRuns(platform, WORKFLOW, orders);

    await waitForChargeCalls(target, RUNS / 2);
    const stoppedAt = Date.now();
    await nats.stop();
    const inFlight = chargeCallsAwaitingAnswerAt(target, stoppedAt, CALL_DELAY_MS);
    expect(inFlight.length, 'calls still waiting for their answer when NATS went away').toBeGreaterThan(0);

    // While NATS is away the platform cannot serve, and its readiness probe says so (no answer within a
    // probe's timeout counts as not ready).
    await sleep(OUTAGE_MS / 2);
    const duringOutage = await platform.readyStatus(1_500);
    await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
    await nats.start();
    expect(duringOutage, 'GET /health/ready while NATS was down').not.toBe(200);

    await expect
      .poll(() => platform.readyStatus(3_000), { timeout: 30_000, interval: 500, message: 'GET /health/ready after NATS came back' })
      .toBe(200);

    const runs = await waitForTerminalRuns(platform, WORKFLOW, RUNS, RECOVERY_TIMEOUT_MS);
    expectAllRunsCompleted(runs);
    expectOneIdempotencyKeyPerStep(runs, chargeCalls(target));
    expect(platform.exitCode, 'the platform process must survive a NATS restart').toBeNull();
  });
});

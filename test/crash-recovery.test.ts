import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { HttpTarget, type RecordedRequest } from './support/http-target';
import { Platform, sleep, type RunBody } from './support/platform';

const WORKFLOW = 'crash-charge';
const EVENT_TYPE = 'crash.order.placed';
const CALL_DELAY_MS = 1500;
const API_RUNS = 15;
const EVENT_RUNS = 5;
const TOTAL_RUNS = API_RUNS + EVENT_RUNS;
/**
 * Unacknowledged deliveries come back only after the consumers' ack wait; this bound leaves room for
 * an ack wait of up to a minute plus the restart.
 */
const RECOVERY_TIMEOUT_MS = 90_000;
const TERMINAL = ['completed', 'failed', 'cancelled', 'compensated', 'timed_out'];

const definition = (target: HttpTarget) => `
name: ${WORKFLOW}
description: Charge over a slow HTTP service, then compute a receipt from its answer
triggers:
  - event: ${EVENT_TYPE}
    input: { orderId: "\${ event.data.orderId }" }
steps:
  - id: charge
    type: http
    with:
      method: POST
      url: "${target.url('/charge')}"
      body: { orderId: "\${ input.orderId }" }
  - id: receipt
    type: transform
    output: { receipt: "\${ 'receipt-' & steps.charge.output.body.chargeId }" }
output: { receipt: "\${ steps.receipt.output.receipt }" }
`;

const keyOf = (request: RecordedRequest) => String(request.headers['idempotency-key']);
const orderOf = (request: RecordedRequest) => (JSON.parse(request.body) as { orderId: string }).orderId;

describe('kill -9 of the platform while HTTP steps are in flight', () => {
  let platform: Platform;
  let target: HttpTarget;
  let nc: NatsConnection;

  beforeAll(async () => {
    target = await HttpTarget.start();
    // A slow service whose answer names the idempotency key it was called with.
    target.respondWith((request) => ({
      status: 200,
      delayMs: CALL_DELAY_MS,
      body: { chargeId: `ch-${orderOf(request)}`, idempotencyKey: keyOf(request) },
    }));
    platform = await Platform.start();
    nc = await platform.nats();
    const registered = await platform.api('POST', '/v1/definitions', definition(target));
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

    const started = await Promise.all(
      apiOrders.map((orderId) => platform.api<RunBody>('POST', '/v1/runs', { workflow: WORKFLOW, input: { orderId } })),
    );
    expect(started.map((s) => s.status)).toEqual(apiOrders.map(() => 201));
    for (const orderId of eventOrders) {
      await publishEvent(nc, platform.subject(`baton.events.${EVENT_TYPE}`), cloudEvent(EVENT_TYPE, { orderId }));
    }

    // Crash once most calls have reached the slow service and none can have been answered yet.
    await waitUntil(
      () => target.requestsTo('/charge').length >= API_RUNS,
      15_000,
      () => `only ${target.requestsTo('/charge').length} calls arrived`,
    );
    const killedAt = Date.now();
    await platform.kill();
    const interrupted = target.requestsTo('/charge').filter((r) => killedAt - r.receivedAt < CALL_DELAY_MS - 100);
    expect(interrupted.length, 'calls still waiting for their answer when the platform died').toBeGreaterThan(0);

    await platform.launch();

    const runs = await waitForTerminalRuns(platform, TOTAL_RUNS, RECOVERY_TIMEOUT_MS);
    const unfinished = runs
      .filter((r) => r.status !== 'completed')
      .map((r) => ({ id: r.id, status: r.status, error: r.error, steps: r.steps }));
    expect(unfinished, 'runs that did not complete').toEqual([]);
    expect(new Set(runs.map((r) => (r.input as { orderId: string }).orderId))).toEqual(new Set([...apiOrders, ...eventOrders]));

    const calls = target.requestsTo('/charge');
    for (const run of runs) {
      const orderId = (run.input as { orderId: string }).orderId;
      const keys = [...new Set(calls.filter((c) => orderOf(c) === orderId).map(keyOf))];
      expect(keys, `distinct Idempotency-Key values sent for step charge of run ${run.id}`).toHaveLength(1);
      expect(keys[0]).toMatch(new RegExp(`^${run.id}:charge:\\d+$`));

      const charge = run.steps.find((s) => s.id === 'charge');
      const receipt = run.steps.find((s) => s.id === 'receipt');
      expect(charge).toMatchObject({
        status: 'completed',
        output: { status: 200, body: { chargeId: `ch-${orderId}`, idempotencyKey: keys[0] } },
      });
      expect(receipt).toMatchObject({ status: 'completed', output: { receipt: `receipt-ch-${orderId}` } });
      expect(run.output).toEqual({ receipt: `receipt-ch-${orderId}` });
    }

    // The interrupted calls never got their answer through, so each was made again, with the same key.
    for (const call of interrupted) {
      const again = calls.filter((c) => keyOf(c) === keyOf(call) && c.receivedAt > killedAt);
      expect(again.length, `repeat of the interrupted call ${keyOf(call)}`).toBeGreaterThan(0);
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(20);
  }
}

/** Polls the workflow's run list until `count` runs have ended, then reads each run in full. */
async function waitForTerminalRuns(platform: Platform, count: number, timeoutMs: number): Promise<RunBody[]> {
  const deadline = Date.now() + timeoutMs;
  let summaries: RunBody[] = [];
  while (Date.now() < deadline) {
    const list = await platform.api<{ items?: RunBody[] }>('GET', `/v1/runs?workflow=${WORKFLOW}&limit=500`);
    summaries = list.status === 200 ? (list.body.items ?? []) : summaries;
    if (summaries.length >= count && summaries.every((r) => TERMINAL.includes(r.status))) {
      return Promise.all(summaries.map(async (r) => (await platform.api<RunBody>('GET', `/v1/runs/${r.id}`)).body));
    }
    await sleep(500);
  }
  const pending = summaries.filter((r) => !TERMINAL.includes(r.status)).map((r) => `${r.id}: ${r.status}`);
  throw new Error(
    `after ${timeoutMs} ms ${summaries.length}/${count} runs exist and ${pending.length} have not ended (${pending.join(', ')})\n` +
      `platform logs:\n${platform.logs.slice(-4000)}`,
  );
}

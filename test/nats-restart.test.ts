import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget, type RecordedRequest } from './support/http-target';
import { Platform, sleep, type RunBody } from './support/platform';
import { PrivateNats } from './support/private-nats';

const WORKFLOW = 'nats-restart-charge';
const CALL_DELAY_MS = 1500;
const RUNS = 20;
const OUTAGE_MS = 2000;
/**
 * Unacknowledged deliveries come back only after the consumers' ack wait; this bound leaves room for
 * an ack wait of up to a minute plus the restart.
 */
const RECOVERY_TIMEOUT_MS = 90_000;
const TERMINAL = ['completed', 'failed', 'cancelled', 'compensated', 'timed_out'];

const definition = (target: HttpTarget) => `
name: ${WORKFLOW}
description: Charge over a slow HTTP service, then compute a receipt from its answer
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

describe('a NATS server restart while runs are in flight', () => {
  let nats: PrivateNats;
  let platform: Platform;
  let target: HttpTarget;

  beforeAll(async () => {
    nats = await PrivateNats.start();
    target = await HttpTarget.start();
    target.respondWith((request) => ({
      status: 200,
      delayMs: CALL_DELAY_MS,
      body: { chargeId: `ch-${orderOf(request)}`, idempotencyKey: keyOf(request) },
    }));
    platform = await Platform.start({ natsUrl: nats.url });
    const registered = await platform.api('POST', '/v1/definitions', definition(target));
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
    const started = await Promise.all(
      orders.map((orderId) => platform.api<RunBody>('POST', '/v1/runs', { workflow: WORKFLOW, input: { orderId } })),
    );
    expect(started.map((s) => s.status)).toEqual(orders.map(() => 201));

    await waitUntil(
      () => target.requestsTo('/charge').length >= RUNS / 2,
      15_000,
      () => `only ${target.requestsTo('/charge').length} calls arrived`,
    );
    const stoppedAt = Date.now();
    await nats.stop();
    const inFlight = target.requestsTo('/charge').filter((r) => stoppedAt - r.receivedAt < CALL_DELAY_MS - 100);
    expect(inFlight.length, 'calls still waiting for their answer when NATS went away').toBeGreaterThan(0);

    // While NATS is away the platform cannot serve, and its readiness probe says so (no answer within a
    // probe's timeout counts as not ready).
    await sleep(OUTAGE_MS / 2);
    const duringOutage = await readyStatus(platform, 1_500);
    await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
    await nats.start();
    expect(duringOutage, 'GET /health/ready while NATS was down').not.toBe(200);

    await expect
      .poll(() => readyStatus(platform, 3_000), { timeout: 30_000, interval: 500, message: 'GET /health/ready after NATS came back' })
      .toBe(200);

    const runs = await waitForTerminalRuns(platform, RUNS, RECOVERY_TIMEOUT_MS);
    const unfinished = runs
      .filter((r) => r.status !== 'completed')
      .map((r) => ({ id: r.id, status: r.status, error: r.error, steps: r.steps }));
    expect(unfinished, 'runs that did not complete').toEqual([]);

    const calls = target.requestsTo('/charge');
    for (const run of runs) {
      const orderId = (run.input as { orderId: string }).orderId;
      const keys = [...new Set(calls.filter((c) => orderOf(c) === orderId).map(keyOf))];
      expect(keys, `distinct Idempotency-Key values sent for step charge of run ${run.id}`).toHaveLength(1);
      expect(keys[0]).toMatch(new RegExp(`^${run.id}:charge:\\d+$`));
      expect(run.steps.find((s) => s.id === 'charge')).toMatchObject({
        status: 'completed',
        output: { status: 200, body: { chargeId: `ch-${orderId}`, idempotencyKey: keys[0] } },
      });
      expect(run.steps.find((s) => s.id === 'receipt')).toMatchObject({
        status: 'completed',
        output: { receipt: `receipt-ch-${orderId}` },
      });
      expect(run.output).toEqual({ receipt: `receipt-ch-${orderId}` });
    }
    expect(platform.exitCode, 'the platform process must survive a NATS restart').toBeNull();
  });
});

async function readyStatus(platform: Platform, timeoutMs: number): Promise<number> {
  try {
    const response = await fetch(`${platform.baseUrl}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    return response.status;
  } catch {
    return 0; // no answer in time counts as not ready
  }
}

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
    const list = await platform.api<{ items?: RunBody[] }>('GET', `/v1/runs?workflow=${WORKFLOW}&limit=500`).catch(() => undefined);
    summaries = list?.status === 200 ? (list.body.items ?? []) : summaries;
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

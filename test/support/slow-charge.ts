import { expect } from 'vitest';
import type { HttpTarget, RecordedRequest } from './http-target';
import { sleep, type Platform, type RunBody } from './platform';

/**
 * A workflow that charges an order over a slow HTTP service (`POST /charge` on an HttpTarget) and then
 * computes a receipt from its answer: runs that are still waiting for the service when something breaks.
 */

/**
 * Unacknowledged deliveries come back only after the consumers' ack wait; this bound leaves room for
 * an ack wait of up to a minute plus the restart.
 */
export const RECOVERY_TIMEOUT_MS = 90_000;

const TERMINAL = ['completed', 'failed', 'cancelled', 'compensated', 'timed_out'];
const CHARGE_PATH = '/charge';

/** The workflow's YAML; with `eventType`, events of that type start it too. */
export function slowChargeDefinition(target: HttpTarget, { workflow, eventType }: { workflow: string; eventType?: string }): string {
  const triggers =
    eventType === undefined
      ? ''
      : `triggers:
  - event: ${eventType}
    input: { orderId: "\${ event.data.orderId }" }
`;
  return `
name: ${workflow}
description: Charge over a slow HTTP service, then compute a receipt from its answer
${triggers}steps:
  - id: charge
    type: http
    with:
      method: POST
      url: "${target.url(CHARGE_PATH)}"
      body: { orderId: "\${ input.orderId }" }
  - id: receipt
    type: transform
    output: { receipt: "\${ 'receipt-' & steps.charge.output.body.chargeId }" }
output: { receipt: "\${ steps.receipt.output.receipt }" }
`;
}

export const idempotencyKeyOf = (request: RecordedRequest) => String(request.headers['idempotency-key']);
export const orderIdOfCall = (request: RecordedRequest) => (JSON.parse(request.body) as { orderId: string }).orderId;
export const orderIdOfRun = (run: RunBody) => (run.input as { orderId: string }).orderId;

/** A slow service whose answer names the idempotency key it was called with. */
export function answerSlowly(target: HttpTarget, delayMs: number): void {
  target.respondWith((request) => ({
    status: 200,
    delayMs,
    body: { chargeId: `ch-${orderIdOfCall(request)}`, idempotencyKey: idempotencyKeyOf(request) },
  }));
}

/** Every call the charge step has made so far. */
export const chargeCalls = (target: HttpTarget) => target.requestsTo(CHARGE_PATH);

/** The charge calls that had not been answered yet at `time`, given the service's delay. */
export const chargeCallsAwaitingAnswerAt = (target: HttpTarget, time: number, delayMs: number) =>
  chargeCalls(target).filter((r) => time - r.receivedAt < delayMs - 100);

/** Starts a run per order through the API and expects each to be accepted. */
export async function startRuns(platform: Platform, workflow: string, orderIds: string[]): Promise<void> {
  const started = await Promise.all(orderIds.map((orderId) => platform.api<RunBody>('POST', '/v1/runs', { workflow, input: { orderId } })));
  expect(started.map((s) => s.status)).toEqual(orderIds.map(() => 201));
}

/** Waits up to 15 s until the slow service has received `count` charge calls. */
export async function waitForChargeCalls(target: HttpTarget, count: number): Promise<void> {
  const timeoutMs = 15_000;
  const deadline = Date.now() + timeoutMs;
  while (chargeCalls(target).length < count) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: only ${chargeCalls(target).length} calls arrived`);
    await sleep(20);
  }
}

/** Polls the workflow's run list until `count` runs have ended, then reads each run in full. */
export async function waitForTerminalRuns(platform: Platform, workflow: string, count: number, timeoutMs: number): Promise<RunBody[]> {
  const deadline = Date.now() + timeoutMs;
  let summaries: RunBody[] = [];
  while (Date.now() < deadline) {
    const list = await platform.api<{ items?: RunBody[] }>('GET', `/v1/runs?workflow=${workflow}&limit=500`).catch(() => undefined);
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

export function expectAllRunsCompleted(runs: RunBody[]): void {
  const unfinished = runs
    .filter((r) => r.status !== 'completed')
    .map((r) => ({ id: r.id, status: r.status, error: r.error, steps: r.steps }));
  expect(unfinished, 'runs that did not complete').toEqual([]);
}

/**
 * Every run called the service with exactly one Idempotency-Key (its own, for step charge), got the
 * answer for its order and turned it into the receipt.
 */
export function expectOneIdempotencyKeyPerStep(runs: RunBody[], calls: RecordedRequest[]): void {
  for (const run of runs) {
    const orderId = orderIdOfRun(run);
    const keys = [...new Set(calls.filter((c) => orderIdOfCall(c) === orderId).map(idempotencyKeyOf))];
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
}

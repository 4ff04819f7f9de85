import { randomBytes } from 'node:crypto';
import { BatonApiError, BatonClient, BatonWorker, RetryableError, TerminalError, type TaskContext } from '@baton/sdk';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from './support/otlp-receiver';
import { Platform, sleep } from './support/platform';

const WORKFLOW = `
name: charge-with-worker
steps:
  - id: price
    type: transform
    output: { cents: "\${ input.total * 100 }" }
  - id: charge
    type: task
    taskType: charge-card
    input: { orderId: "\${ input.orderId }", cents: "\${ steps.price.output.cents }" }
    retry: { maxAttempts: 3, initialInterval: 1s }
  - id: receipt
    type: transform
    output: { receipt: "\${ 'receipt-' & steps.charge.output.chargeId }" }
output: { receipt: "\${ steps.receipt.output.receipt }" }
`;

const PACKING_WORKFLOW = `
name: pack-with-worker
steps:
  - id: pack
    type: task
    taskType: pack-parcel
    input: { orderId: "\${ input.orderId }" }
`;

interface ChargeInput {
  orderId: string;
  cents: number;
}

interface ChargeOutput {
  chargeId: string;
  cents: number;
}

/** What the worker saw of one attempt. */
interface SeenAttempt {
  runId: string;
  stepId: string;
  attempt: number;
  idempotencyKey: string;
  taskId: string;
  input: ChargeInput;
}

/** A message the platform or the worker published, as a core NATS subscriber sees it. */
interface Observed {
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

const observe = (into: Observed[]) => (_error: Error | null, msg: Msg) => {
  const headers: Record<string, string> = {};
  for (const key of msg.headers?.keys() ?? []) headers[key] = msg.headers!.get(key);
  into.push({ body: msg.json(), headers });
};

describe('an external worker built with the SDK', () => {
  let platform: Platform;
  let otlp: OtlpReceiver;
  let client: BatonClient;
  let worker: BatonWorker;
  let nc: NatsConnection;
  const seen: SeenAttempt[] = [];
  const dispatches: Observed[] = [];
  const results: Observed[] = [];

  /** `retry-…` orders fail retryably on the first attempt; `decline-…` orders are declined for good. */
  async function chargeCard(input: ChargeInput, ctx: TaskContext): Promise<ChargeOutput> {
    const { runId, stepId, attempt, idempotencyKey, taskId } = ctx;
    seen.push({ runId, stepId, attempt, idempotencyKey, taskId, input });
    if (input.orderId.startsWith('decline-')) throw new TerminalError(`card declined for ${input.orderId}`);
    if (attempt === 1) throw new RetryableError('card processor busy, try again');
    await sleep(700); // long enough for a few automatic heartbeats
    return { chargeId: `ch-${input.orderId}`, cents: input.cents };
  }

  beforeAll(async () => {
    // Traced, so that dispatches carry a traceparent for the worker to continue.
    otlp = await OtlpReceiver.start();
    platform = await Platform.start({ otlpEndpoint: otlp.endpoint });
    client = new BatonClient({ baseUrl: platform.baseUrl });
    nc = await platform.nats();
    nc.subscribe(platform.subject('baton.tasks.charge-card'), { callback: observe(dispatches) });
    nc.subscribe(platform.subject('baton.results.task'), { callback: observe(results) });
    worker = new BatonWorker({ servers: platform.natsUrl, namespace: platform.namespace });
    worker.handle('charge-card', chargeCard, { concurrency: 4, heartbeatMs: 200 });
    await worker.start();
    const registered = await client.registerDefinition(WORKFLOW);
    expect(registered).toMatchObject({ name: 'charge-with-worker', version: 1, created: true });
  });

  afterAll(async () => {
    await worker?.stop();
    await nc?.close();
    await platform?.cleanup();
    await otlp?.close();
  });

  it('retries an attempt the worker failed retryably and completes with the output of the next one', async () => {
    const orderId = `retry-${randomBytes(3).toString('hex')}`;
    const started = await client.startRun({ workflow: 'charge-with-worker', input: { orderId, total: 12.5 }, idempotencyKey: orderId });
    expect(started.created).toBe(true);

    const run = await client.waitForRun(started.id, { timeoutMs: 30_000 });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ receipt: `receipt-ch-${orderId}` });
    expect(run.steps.find((s) => s.id === 'charge')).toMatchObject({
      type: 'task',
      status: 'completed',
      attempts: 2,
      output: { chargeId: `ch-${orderId}`, cents: 1250 },
    });

    const attempts = seen.filter((s) => s.runId === run.id);
    expect(attempts.map((s) => [s.stepId, s.attempt, s.idempotencyKey])).toEqual([
      ['charge', 1, `${run.id}:charge:1`],
      ['charge', 2, `${run.id}:charge:2`],
    ]);
    expect(attempts.every((s) => s.input.orderId === orderId && s.input.cents === 1250)).toBe(true);

    // Each result is keyed by its task for deduplication and continues the dispatch's trace.
    for (const { taskId } of attempts) {
      const dispatch = dispatches.find((d) => d.body['taskId'] === taskId);
      const result = results.find((r) => r.body['taskId'] === taskId && r.body['status'] !== 'running');
      expect(result?.headers['Nats-Msg-Id']).toBe(`result:${taskId}`);
      expect(dispatch?.headers['traceparent']).toMatch(new RegExp(`^00-${run.traceId}-[0-9a-f]{16}-0[01]$`));
      expect(result?.headers['traceparent']).toBe(dispatch?.headers['traceparent']);
    }
    expect(results.find((r) => r.body['taskId'] === `${run.id}:charge:1`)?.body).toEqual({
      taskId: `${run.id}:charge:1`,
      runId: run.id,
      stepId: 'charge',
      attempt: 1,
      status: 'failed',
      error: { message: 'card processor busy, try again', retryable: true },
    });
    // The second attempt ran for 700 ms with a 200 ms heartbeat.
    const heartbeats = results.filter((r) => r.body['taskId'] === `${run.id}:charge:2` && r.body['status'] === 'running');
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(heartbeats[0].body).toEqual({ taskId: `${run.id}:charge:2`, attempt: 2, status: 'running' });

    const history = await client.runHistory(run.id);
    expect(history.items.filter((h) => h.stepId === 'charge').map((h) => h.type)).toEqual(
      expect.arrayContaining(['StepStarted', 'StepCompleted']),
    );
  });

  it('fails the run at once when the worker throws a TerminalError', async () => {
    const orderId = `decline-${randomBytes(3).toString('hex')}`;
    const started = await client.startRun({ workflow: 'charge-with-worker', input: { orderId, total: 3 } });

    const run = await client.waitForRun(started.id, { timeoutMs: 30_000 });
    expect(run.status).toBe('failed');
    expect(run.error?.message).toContain(`card declined for ${orderId}`);
    expect(run.steps.find((s) => s.id === 'charge')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: `card declined for ${orderId}`, retryable: false },
    });
    expect(run.steps.find((s) => s.id === 'receipt')?.status).not.toBe('completed');
    expect(seen.filter((s) => s.runId === run.id).map((s) => s.attempt)).toEqual([1]);
  });

  it('finishes and reports the running attempts when stopped', async () => {
    let handlerStarted!: () => void;
    const started = new Promise<void>((done) => (handlerStarted = done));
    let handlerEnded = 0;
    const packer = new BatonWorker({ servers: platform.natsUrl, namespace: platform.namespace });
    packer.handle<{ orderId: string }, { parcel: string }>('pack-parcel', async ({ orderId }) => {
      handlerStarted();
      await sleep(1000);
      handlerEnded = Date.now();
      return { parcel: `p-${orderId}` };
    });
    await packer.start();
    await client.registerDefinition(PACKING_WORKFLOW);
    const run = await client.startRun({ workflow: 'pack-with-worker', input: { orderId: 'o-9' } });

    await started;
    await packer.stop();
    expect(handlerEnded).toBeGreaterThan(0);
    expect(packer.isRunning).toBe(false);
    const ended = await client.waitForRun(run.id, { timeoutMs: 15_000 });
    expect(ended).toMatchObject({
      status: 'completed',
      steps: [{ id: 'pack', status: 'completed', attempts: 1, output: { parcel: 'p-o-9' } }],
    });
  });

  it('lets another worker process join the same durable consumer', async () => {
    const second = new BatonWorker({ servers: platform.natsUrl, namespace: platform.namespace });
    second.handle('charge-card', chargeCard);
    await expect(second.start()).resolves.toBeUndefined();
    await second.stop();
  });

  it('refuses to start against a platform namespace that does not exist', async () => {
    const lost = new BatonWorker({ servers: platform.natsUrl, namespace: `${platform.namespace}-missing` });
    lost.handle('charge-card', chargeCard);
    await expect(lost.start()).rejects.toThrow(/does not exist: start the Baton platform first/);
  });

  it('reports API errors as RFC 9457 problems', async () => {
    const missing = await client.getRun('no-such-run').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BatonApiError);
    expect(missing).toMatchObject({ status: 404 });

    const invalid = await client.validateDefinition({ name: 'Bad Name', steps: [] }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(BatonApiError);
    expect((invalid as BatonApiError).status).toBe(400);
    expect((invalid as BatonApiError).errors.map((e) => e.path)).toContain('name');
  });
});

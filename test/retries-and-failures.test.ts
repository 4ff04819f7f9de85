import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget } from './support/http-target';
import { Platform, type RunBody } from './support/platform';

const flaky = (target: HttpTarget) => `
name: flaky-charge
steps:
  - id: charge
    type: http
    with: { method: POST, url: "${target.url('/charge')}", body: { amount: "\${ input.amount }" } }
    retry: { maxAttempts: 3, backoff: fixed, initialInterval: 1s }
  - id: receipt
    type: transform
    output: { charged: "\${ steps.charge.output.body.charged }" }
output: "\${ steps.receipt.output }"
`;

const broken = (target: HttpTarget) => `
name: broken-charge
steps:
  - id: charge
    type: http
    with: { method: POST, url: "${target.url('/broken')}" }
    retry: { maxAttempts: 2, initialInterval: 1s }
  - id: receipt
    type: transform
    output: { never: true }
notifications:
  - on: [failed]
    webhook: { url: "${target.url('/hooks/failed')}" }
`;

describe('retries and failures', () => {
  let platform: Platform;
  let target: HttpTarget;
  let nc: NatsConnection;
  const lifecycle: { status: string; runId: string }[] = [];

  beforeAll(async () => {
    target = await HttpTarget.start();
    const chargeCalls = new Map<string, number>();
    target.respondWith((request) => {
      if (request.path === '/charge') {
        const amount = String(JSON.parse(request.body).amount);
        const calls = (chargeCalls.get(amount) ?? 0) + 1;
        chargeCalls.set(amount, calls);
        return calls < 3 ? { status: 503, body: { error: 'try later' } } : { status: 200, body: { charged: Number(amount) } };
      }
      if (request.path === '/broken') return { status: 500, body: { error: 'card processor down' } };
      return { status: 204 };
    });
    platform = await Platform.start();
    nc = await platform.nats();
    nc.subscribe(platform.subject('baton.lifecycle.>'), { callback: (_e, msg) => void lifecycle.push(msg.json()) });
    expect((await platform.api('POST', '/v1/definitions', flaky(target))).status).toBe(201);
    expect((await platform.api('POST', '/v1/definitions', broken(target))).status).toBe(201);
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.cleanup();
    await target?.close();
  });

  it('retries a failing step after its back-off, with a new idempotency key per attempt, then completes', async () => {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'flaky-charge', input: { amount: 42 } });
    expect(started.status).toBe(201);
    const run = await platform.waitForRun(started.body.id);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ charged: 42 });
    expect(run.steps.find((s) => s.id === 'charge')).toMatchObject({ status: 'completed', attempts: 3 });

    const calls = target.requestsTo('/charge').filter((r) => r.body.includes('42'));
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([1, 2, 3].map((n) => `${run.id}:charge:${n}`));
    // The fixed 1 s back-off is a durable delay: no retry comes early.
    expect(calls[1].receivedAt - calls[0].receivedAt).toBeGreaterThanOrEqual(950);
    expect(calls[2].receivedAt - calls[1].receivedAt).toBeGreaterThanOrEqual(950);

    const history = await platform.api<{ items: { type: string; attempt?: number }[] }>('GET', `/v1/runs/${run.id}/history`);
    // Each retry is recorded with the attempt it schedules.
    expect(history.body.items.filter((h) => h.type === 'StepRetryScheduled').map((h) => h.attempt)).toEqual([2, 3]);
  });

  it('fails the run when retries are exhausted, skips what follows, and notifies', async () => {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'broken-charge', input: {} });
    const run = await platform.waitForRun(started.body.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ stepId: 'charge', message: expect.stringContaining('HTTP 500') });
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['charge', 'failed', 2],
      ['receipt', 'skipped', 0],
    ]);
    expect(run.steps[0].error?.message).toContain('card processor down');
    await expect.poll(() => target.requestsTo('/hooks/failed').length).toBe(1);
    expect(JSON.parse(target.requestsTo('/hooks/failed')[0].body)).toMatchObject({ runId: run.id, status: 'failed' });
    await expect.poll(() => lifecycle.filter((e) => e.runId === run.id).map((e) => e.status)).toEqual(['running', 'failed']);
  });

  it('routes a failure to its catch handler by error code and completes the run on the error path', async () => {
    const definition = {
      name: 'caught-charge',
      steps: [
        {
          id: 'charge',
          type: 'http',
          with: { method: 'POST', url: target.url('/broken') },
          retry: { maxAttempts: 1 },
          catch: [{ errors: ['http.5*'], next: 'queue-for-retry' }],
        },
        { id: 'receipt', type: 'transform', output: { paid: true } },
        { id: 'queue-for-retry', type: 'transform', output: { queued: true, because: '${ steps.charge.error.message }' } },
      ],
      output: '${ steps.`queue-for-retry`.output }',
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'caught-charge', input: {} });
    const run = await platform.waitForRun(started.body.id);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['charge', 'failed'],
      ['receipt', 'skipped'],
      ['queue-for-retry', 'completed'],
    ]);
    expect(run.output).toEqual({ queued: true, because: expect.stringContaining('HTTP 500') });
  });

  it('answers unknown workflows and runs with 404 problems', async () => {
    const noWorkflow = await platform.api<{ status: number; detail: string }>('POST', '/v1/runs', {
      workflow: 'does-not-exist',
      input: {},
    });
    expect(noWorkflow.status).toBe(404);
    expect(noWorkflow.body.detail).toContain('does-not-exist');
    expect((await platform.api('GET', '/v1/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await platform.api('GET', '/v1/definitions/does-not-exist')).status).toBe(404);
  });

  it('pages through runs with a cursor', async () => {
    const first = await platform.api<{ items: RunBody[]; nextCursor: string | null }>('GET', '/v1/runs?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await platform.api<{ items: RunBody[] }>('GET', `/v1/runs?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect((await platform.api('GET', '/v1/runs?status=bogus')).status).toBe(400);
    const forged = await platform.api<{ errors: { path: string }[] }>('GET', '/v1/runs?cursor=not-a-cursor');
    expect(forged.status).toBe(400);
    expect(forged.body.errors.map((e) => e.path)).toEqual(['cursor']);
    const wrongShape = Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url');
    expect((await platform.api('GET', `/v1/runs?cursor=${wrongShape}`)).status).toBe(400);
    expect((await platform.api('GET', `/v1/events/rejected?cursor=${wrongShape}`)).status).toBe(400);
  });

  it('serves its OpenAPI document', async () => {
    const { status, body } = await platform.api<{ paths: Record<string, unknown> }>('GET', '/docs/openapi.json');
    expect(status).toBe(200);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/definitions', '/v1/runs', '/v1/runs/{id}', '/v1/events']));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget } from './support/http-target';
import { Platform, sleep, type RunBody } from './support/platform';

/** Five steps that each reserve something and know how to release it; step four always fails. */
const saga = (target: HttpTarget, name: string, releaseDelayMs = 0) => `
name: ${name}
steps:
${[1, 2, 3, 4, 5]
  .map(
    (n) => `  - id: step${n}
    type: http
    with: { method: POST, url: "${target.url(`/do/${n}`)}", body: { run: "\${ run.id }" } }
    retry: { maxAttempts: 2, initialInterval: 1s }
    compensate:
      type: http
      with: { method: POST, url: "${target.url(`/undo/${n}`)}", body: { run: "\${ run.id }", reservation: "\${ steps.step${n}.output.body.reservation }" }${releaseDelayMs ? `, headers: { X-Delay: "${releaseDelayMs}" }` : ''} }`,
  )
  .join('\n')}
`;

interface HistoryItem {
  type: string;
  stepId?: string;
  attempt?: number;
}

describe('the saga and run operations', () => {
  let platform: Platform;
  let target: HttpTarget;

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.respondWith((request) => {
      const [, kind, n] = request.path.split('/');
      if (kind === 'do' && n === '4') return { status: 500, body: { error: 'out of stock' } };
      const delayMs = Number(request.headers['x-delay'] ?? 0);
      return { status: 200, body: { reservation: `${kind}-${n}` }, delayMs };
    });
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.cleanup();
    await target?.close();
  });

  const runIdOf = (body: string) => (JSON.parse(body) as { run: string }).run;
  const undoneFor = (runId: string) =>
    target.requests.filter((r) => r.path.startsWith('/undo/') && runIdOf(r.body) === runId).map((r) => r.path);

  it('compensates steps three, two, one in that order, once each, and ends compensated', async () => {
    expect((await platform.api('POST', '/v1/definitions', saga(target, 'five-step-saga'))).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'five-step-saga', input: {} });
    const run = await platform.waitForRun(started.body.id);

    expect(run.status).toBe('compensated');
    expect(run.error).toMatchObject({ stepId: 'step4', message: expect.stringContaining('HTTP 500') });
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['step1', 'compensated'],
      ['step2', 'compensated'],
      ['step3', 'compensated'],
      ['step4', 'failed'],
      ['step5', 'skipped'],
    ]);
    expect(run.steps[3].attempts).toBe(2);
    expect(undoneFor(run.id)).toEqual(['/undo/3', '/undo/2', '/undo/1']);
    const undo2 = target.requests.find((r) => r.path === '/undo/2' && runIdOf(r.body) === run.id);
    expect(JSON.parse(undo2?.body ?? '{}')).toMatchObject({ reservation: 'do-2' });
    expect(undo2?.headers['idempotency-key']).toBe(`${run.id}:step2.compensate:1`);

    const history = await platform.api<{ items: HistoryItem[] }>('GET', `/v1/runs/${run.id}/history?limit=500`);
    const sagaHistory = history.body.items.filter((h) => ['RunCompensating', 'StepCompensated', 'RunCompensated'].includes(h.type));
    expect(sagaHistory.map((h) => `${h.type}${h.stepId ? `:${h.stepId}` : ''}`)).toEqual([
      'RunCompensating',
      'StepCompensated:step3',
      'StepCompensated:step2',
      'StepCompensated:step1',
      'RunCompensated',
    ]);
  });

  it('reaches the same outcome when the platform is killed during compensation', async () => {
    expect((await platform.api('POST', '/v1/definitions', saga(target, 'slow-release-saga', 1500))).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'slow-release-saga', input: {} });
    await platform.waitForRun(started.body.id, ['compensating']);
    await expect.poll(() => undoneFor(started.body.id).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await platform.kill();
    await platform.launch();
    const run = await platform.waitForRun(started.body.id, ['compensated', 'failed'], 90_000);

    expect(run.status).toBe('compensated');
    expect(run.steps.map((s) => s.status)).toEqual(['compensated', 'compensated', 'compensated', 'failed', 'skipped']);
    // At least once per compensation, in order; a repeat (after the crash) keeps its idempotency key.
    const calls = target.requests.filter((r) => r.path.startsWith('/undo/') && runIdOf(r.body) === run.id);
    const firstSeen = [...new Set(calls.map((c) => c.path))];
    expect(firstSeen).toEqual(['/undo/3', '/undo/2', '/undo/1']);
    for (const path of firstSeen) {
      expect(new Set(calls.filter((c) => c.path === path).map((c) => c.headers['idempotency-key'])).size).toBe(1);
    }
  });

  it('waits for an approval and continues when approved', async () => {
    const definition = {
      name: 'needs-approval',
      steps: [
        { id: 'manager', type: 'approval', timeout: '1h' },
        { id: 'after', type: 'transform', output: { approvedBy: '${ steps.manager.output.by }' } },
      ],
      output: '${ steps.after.output }',
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'needs-approval', input: {} });
    await expect.poll(async () => (await platform.waitForRun(started.body.id, ['running'])).steps[0].status).toBe('waiting');

    const wrongName = await platform.api('POST', `/v1/runs/${started.body.id}/signals/nobody`, { decision: 'approved' });
    expect(wrongName.status).toBe(409);
    const badBody = await platform.api<{ errors: { path: string }[] }>('POST', `/v1/runs/${started.body.id}/signals/manager`, {
      decision: 'maybe',
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.errors.map((e) => e.path)).toContain('decision');

    const approved = await platform.api('POST', `/v1/runs/${started.body.id}/signals/manager`, { decision: 'approved', by: 'ada' });
    expect(approved.status).toBe(200);
    const run = await platform.waitForRun(started.body.id);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ approvedBy: 'ada' });
    expect(run.steps[0].output).toEqual({ decision: 'approved', by: 'ada' });
  });

  it('applies the default decision when an approval times out, and a delay resumes after its duration', async () => {
    const definition = {
      name: 'timed-approval',
      steps: [
        { id: 'pause', type: 'delay', duration: '1s' },
        { id: 'review', type: 'approval', timeout: '1s', defaultDecision: 'rejected' },
      ],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'timed-approval', input: {} });
    const run = await platform.waitForRun(started.body.id, ['failed'], 15_000);
    expect(run.steps[0]).toMatchObject({ status: 'completed' });
    expect(run.steps[1]).toMatchObject({ status: 'failed', error: { message: "approval 'review' rejected by timeout" } });
    const history = await platform.api<{ items: (HistoryItem & { at: string })[] }>('GET', `/v1/runs/${run.id}/history`);
    const at = (type: string, stepId: string) =>
      Date.parse(history.body.items.find((h) => h.type === type && h.stepId === stepId)?.at ?? '');
    expect(at('StepCompleted', 'pause') - at('StepStarted', 'pause')).toBeGreaterThanOrEqual(1000);
  });

  it('cancels a waiting run, and refuses to cancel it twice', async () => {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'needs-approval', input: {} });
    await expect.poll(async () => (await platform.waitForRun(started.body.id, ['running'])).steps[0].status).toBe('waiting');
    const cancelled = await platform.api<RunBody>('POST', `/v1/runs/${started.body.id}/cancel`, { reason: 'no longer needed' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect((await platform.api('POST', `/v1/runs/${started.body.id}/cancel`, {})).status).toBe(409);
    expect((await platform.api('POST', `/v1/runs/${started.body.id}/signals/manager`, { decision: 'approved' })).status).toBe(409);
  });

  it('ends runs early with fail and succeed steps', async () => {
    const definition = {
      name: 'early-exit',
      steps: [
        { id: 'check', type: 'transform', output: { vip: '${ input.vip }' } },
        { id: 'shortcut', type: 'succeed', output: { fast: true }, needs: ['check'] },
        { id: 'never', type: 'fail', error: 'unreachable', needs: ['shortcut'] },
      ],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'early-exit', input: { vip: true } });
    const run = await platform.waitForRun(started.body.id);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ fast: true });
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'skipped']);

    const failing = { name: 'always-fails', steps: [{ id: 'stop', type: 'fail', error: 'order ${ input.id } is blocked' }] };
    expect((await platform.api('POST', '/v1/definitions', failing)).status).toBe(201);
    const failed = await platform.waitForRun(
      (await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'always-fails', input: { id: 7 } })).body.id,
    );
    expect(failed).toMatchObject({ status: 'failed', error: { stepId: 'stop', message: "step 'stop' failed: order 7 is blocked" } });
  });

  it('times out a whole run at its deadline, compensating what completed', async () => {
    const definition = {
      name: 'bounded-run',
      timeout: '2s',
      steps: [
        {
          id: 'hold',
          type: 'http',
          with: { method: 'POST', url: target.url('/do/1'), body: { run: '${ run.id }' } },
          compensate: { type: 'http', with: { method: 'POST', url: target.url('/undo/1'), body: { run: '${ run.id }' } } },
        },
        { id: 'sign-off', type: 'approval' },
      ],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'bounded-run', input: {} });
    const run = await platform.waitForRun(started.body.id, ['timed_out', 'failed', 'completed'], 20_000);
    expect(run).toMatchObject({ status: 'timed_out', error: { message: 'run timed out after 2s' } });
    expect(run.steps.map((s) => s.status)).toEqual(['compensated', 'cancelled']);
    expect(undoneFor(run.id)).toEqual(['/undo/1']);
  });

  it('retries a failed run from its failed step under the same run id, and refuses to retry a compensated one', async () => {
    let healthy = false;
    target.respondWith((request) => {
      if (request.path === '/flaky') return healthy ? { status: 200, body: { ok: true } } : { status: 503, body: { error: 'down' } };
      const [, kind, n] = request.path.split('/');
      if (kind === 'do' && n === '4') return { status: 500, body: { error: 'out of stock' } };
      return { status: 200, body: { reservation: `${kind}-${n}` }, delayMs: Number(request.headers['x-delay'] ?? 0) };
    });
    const definition = {
      name: 'resumable',
      steps: [
        { id: 'first', type: 'transform', output: { n: 1 } },
        { id: 'call', type: 'http', with: { method: 'GET', url: target.url('/flaky') }, retry: { maxAttempts: 1 } },
        { id: 'after', type: 'transform', output: { done: true } },
      ],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'resumable', input: {} });
    const failed = await platform.waitForRun(started.body.id);
    expect(failed.status).toBe('failed');

    healthy = true;
    const retried = await platform.api<RunBody>('POST', `/v1/runs/${failed.id}/retry`, {});
    expect(retried.status).toBe(200);
    const run = await platform.waitForRun(failed.id);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['first', 'completed', 1],
      ['call', 'completed', 2],
      ['after', 'completed', 1],
    ]);
    expect(target.requestsTo('/flaky').map((r) => r.headers['idempotency-key'])).toEqual([`${run.id}:call:1`, `${run.id}:call:2`]);

    const compensated = (await platform.api<{ items: RunBody[] }>('GET', '/v1/runs?workflow=five-step-saga')).body.items[0];
    const refused = await platform.api<{ detail: string }>('POST', `/v1/runs/${compensated.id}/retry`, {});
    expect(refused.status).toBe(409);
  });

  it('pauses a run so no new step starts, and resumes it', async () => {
    const definition = {
      name: 'pausable',
      steps: [
        { id: 'wait', type: 'delay', duration: '1s' },
        { id: 'next', type: 'transform', output: { resumed: true } },
      ],
      output: '${ steps.next.output }',
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'pausable', input: {} });
    const paused = await platform.api<RunBody>('POST', `/v1/runs/${started.body.id}/pause`, {});
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    await sleep(2000);
    const held = await platform.waitForRun(started.body.id, ['paused']);
    expect(held.steps.map((s) => s.status)).toEqual(['completed', 'pending']);
    expect((await platform.api('POST', `/v1/runs/${started.body.id}/pause`, {})).status).toBe(409);

    expect((await platform.api('POST', `/v1/runs/${started.body.id}/resume`, {})).status).toBe(200);
    const run = await platform.waitForRun(started.body.id);
    expect(run).toMatchObject({ status: 'completed', output: { resumed: true } });
  });

  it('keeps a run on the version it started with, and starts new runs on the latest unless a version is named', async () => {
    const version = (n: number) => ({
      name: 'pinned',
      steps: [
        { id: 'gate', type: 'approval' },
        { id: 'result', type: 'transform', output: { version: n } },
      ],
      output: '${ steps.result.output }',
    });
    expect((await platform.api('POST', '/v1/definitions', version(1))).status).toBe(201);
    const onV1 = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'pinned', input: {} });
    expect((await platform.api<{ version: number }>('POST', '/v1/definitions', version(2))).body.version).toBe(2);
    const onV2 = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'pinned', input: {} });
    const namedV1 = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'pinned', version: 1, input: {} });
    expect([onV1.body.version, onV2.body.version, namedV1.body.version]).toEqual([1, 2, 1]);

    for (const id of [onV1.body.id, onV2.body.id, namedV1.body.id]) {
      await expect.poll(async () => (await platform.api('POST', `/v1/runs/${id}/signals/gate`, { decision: 'approved' })).status).toBe(200);
    }
    const outputs = await Promise.all([onV1, onV2, namedV1].map(async (r) => (await platform.waitForRun(r.body.id)).output));
    expect(outputs).toEqual([{ version: 1 }, { version: 2 }, { version: 1 }]);
  });

  it('limits active runs per concurrency key: the rest wait pending and start in order', async () => {
    const definition = {
      name: 'one-at-a-time',
      concurrency: { key: '${ input.customer }', limit: 1 },
      steps: [{ id: 'review', type: 'approval' }],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const start = async (customer: string) =>
      (await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'one-at-a-time', input: { customer } })).body;
    const a1 = await start('acme');
    const a2 = await start('acme');
    const a3 = await start('acme');
    const b1 = await start('globex');
    expect([a1.status, a2.status, a3.status, b1.status]).toEqual(['running', 'pending', 'pending', 'running']);
    const queued = await platform.api<{ items: { type: string }[] }>('GET', `/v1/runs/${a2.id}/history`);
    expect(queued.body.items.map((h) => h.type)).toEqual(['RunQueued']);

    expect((await platform.api('POST', `/v1/runs/${a1.id}/signals/review`, { decision: 'approved' })).status).toBe(200);
    await platform.waitForRun(a2.id, ['running']);
    expect((await platform.waitForRun(a3.id, ['pending'])).status).toBe('pending');

    expect((await platform.api('POST', `/v1/runs/${a2.id}/cancel`, {})).status).toBe(200);
    await platform.waitForRun(a3.id, ['running']);
  });

  it('branches with switch and joins parallel branches', async () => {
    const definition = {
      name: 'routed-order',
      steps: [
        {
          id: 'lane',
          type: 'switch',
          cases: [{ when: 'input.total > 1000', steps: [{ id: 'vip-review', type: 'approval' }] }],
          default: [{ id: 'auto', type: 'transform', output: { approved: true } }],
        },
        {
          id: 'fulfil',
          type: 'parallel',
          branches: [
            { steps: [{ id: 'pick', type: 'http', with: { method: 'POST', url: target.url('/do/7'), body: { run: '${ run.id }' } } }] },
            { steps: [{ id: 'invoice', type: 'transform', output: { invoiced: '${ input.total }' } }] },
          ],
        },
      ],
      output: '${ steps.fulfil.output }',
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const small = await platform.waitForRun(
      (await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'routed-order', input: { total: 50 } })).body.id,
    );
    expect(small.status).toBe('completed');
    expect(small.output).toEqual([expect.objectContaining({ status: 200, body: { reservation: 'do-7' } }), { invoiced: 50 }]);
    expect(Object.fromEntries(small.steps.map((s) => [s.id, s.status]))).toMatchObject({
      'vip-review': 'skipped',
      auto: 'completed',
      lane: 'completed',
    });

    const big = (await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'routed-order', input: { total: 5000 } })).body;
    await expect
      .poll(async () => (await platform.api('POST', `/v1/runs/${big.id}/signals/vip-review`, { decision: 'approved' })).status)
      .toBe(200);
    expect((await platform.waitForRun(big.id)).status).toBe('completed');

    const invalid = await platform.api<{ errors: { path: string }[] }>('POST', '/v1/definitions/validate', {
      name: 'bad-switch',
      steps: [{ id: 'lane', type: 'switch', cases: [] }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e) => e.path)).toEqual(['steps[0].cases']);
  });

  it('fans out over a list with forEach, at most `concurrency` calls at a time, results in item order', async () => {
    const definition = {
      name: 'notify-customers',
      steps: [
        {
          id: 'notify',
          type: 'forEach',
          items: '${ input.customers }',
          concurrency: 2,
          step: {
            type: 'http',
            with: { method: 'POST', url: target.url('/notify'), body: { run: '${ run.id }', to: '${ item }', n: '${ index }' } },
          },
        },
      ],
      output: '${ steps.notify.output.body.to }',
    };
    const inFlight = { now: 0, max: 0 };
    target.respondWith((request) => {
      if (request.path !== '/notify') return { status: 200, body: {} };
      inFlight.now += 1;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      setTimeout(() => (inFlight.now -= 1), 300);
      return { status: 200, body: { to: JSON.parse(request.body).to }, delayMs: 300 };
    });
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const customers = ['ada', 'bob', 'cy', 'dee', 'eve'];
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'notify-customers', input: { customers } });
    const run = await platform.waitForRun(started.body.id);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual(customers);
    expect(inFlight.max).toBe(2);
    expect(run.steps.filter((s) => s.id.startsWith('notify[')).map((s) => s.status)).toEqual(Array(5).fill('completed'));
    const keys = target.requestsTo('/notify').map((r) => r.headers['idempotency-key']);
    expect(new Set(keys)).toEqual(new Set(customers.map((_, i) => `${run.id}:notify[${i}]:1`)));
  });

  it('checks run input against the definition input schema', async () => {
    const definition = {
      name: 'typed-input',
      input: { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' }, total: { type: 'number', minimum: 0 } } },
      steps: [{ id: 'echo', type: 'transform', output: '${ input }' }],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const bad = await platform.api<{ errors: { path: string }[] }>('POST', '/v1/runs', { workflow: 'typed-input', input: { total: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path).sort()).toEqual(['input.orderId', 'input.total']);
    const good = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'typed-input', input: { orderId: 'o-1', total: 3 } });
    expect((await platform.waitForRun(good.body.id)).status).toBe('completed');

    const invalidSchema = await platform.api<{ errors: { path: string }[] }>('POST', '/v1/definitions/validate', {
      ...definition,
      input: { type: 'no-such-type' },
    });
    expect(invalidSchema.status).toBe(400);
    expect(invalidSchema.body.errors.map((e) => e.path)).toContain('input');
  });
});

import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { HttpTarget } from './support/http-target';
import { Platform, type RunBody, type StepBody } from './support/platform';

type ChildStep = StepBody & { childRunId?: string; startedAt?: string; error?: { message: string; code?: string } };
type Run = Omit<RunBody, 'steps'> & { steps: ChildStep[]; parentRunId?: string; trigger: Record<string, unknown>; waitingFor?: unknown[] };

const stepOf = (run: Run, id: string): ChildStep => {
  const step = run.steps.find((s) => s.id === id);
  if (!step) throw new Error(`run ${run.id} has no step ${id}`);
  return step;
};

describe('sub-workflows, waitForEvent and parallel waitAll', () => {
  let platform: Platform;
  let target: HttpTarget;
  let nc: NatsConnection;

  const register = async (yaml: string) => expect((await platform.api('POST', '/v1/definitions', yaml)).status).toBe(201);
  const start = async (workflow: string, input: unknown) => {
    const started = await platform.api<Run>('POST', '/v1/runs', { workflow, input });
    expect(started.status).toBe(201);
    return started.body.id;
  };
  const run = async (id: string) => (await platform.api<Run>('GET', `/v1/runs/${id}`)).body;
  const finished = async (id: string, timeoutMs?: number) => (await platform.waitForRun(id, undefined, timeoutMs)) as unknown as Run;
  const publish = (type: string, data: unknown) => publishEvent(nc, platform.subject(`baton.events.${type}`), cloudEvent(type, data));

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.respondWith((request) => {
      if (request.path === '/bureau') return { status: 503, body: { error: 'bureau down' } };
      return { status: 200, body: { ok: request.path }, delayMs: request.path === '/slow' ? 1500 : 0 };
    });
    // A short buffer window, so the test also shows events older than it are not offered.
    platform = await Platform.start({ env: { BATON_EVENT_BUFFER_SECONDS: '30' } });
    nc = await platform.nats();
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.cleanup();
    await target?.close();
  });

  describe('subWorkflow', () => {
    beforeAll(async () => {
      await register(`
name: identity-check
input: { type: object, required: [customer], properties: { customer: { type: string } } }
steps:
  - id: verify
    type: http
    with: { method: POST, url: "${target.url('/verify')}", body: { customer: "\${ input.customer }" } }
output: { verified: true, customer: "\${ input.customer }", checkedBy: "\${ steps.verify.output.body.ok }" }
`);
      await register(`
name: onboard
steps:
  - id: kyc
    type: subWorkflow
    workflow: identity-check
    input: { customer: "\${ input.customer }" }
  - id: welcome
    type: transform
    output: { message: "\${ 'welcome ' & steps.kyc.output.customer }", verified: "\${ steps.kyc.output.verified }" }
output: "\${ steps.welcome.output }"
`);
    });

    it('runs the child to completion and continues with its output; the child names its parent', async () => {
      const parentId = await start('onboard', { customer: 'c-17' });
      const parent = await finished(parentId);
      expect(parent.status).toBe('completed');
      expect(parent.output).toEqual({ message: 'welcome c-17', verified: true });
      const kyc = stepOf(parent, 'kyc');
      expect(kyc).toMatchObject({ status: 'completed', output: { verified: true, customer: 'c-17', checkedBy: '/verify' } });

      const child = await run(kyc.childRunId ?? '');
      expect(child).toMatchObject({ workflow: 'identity-check', status: 'completed', parentRunId: parentId, input: { customer: 'c-17' } });
      expect(child.trigger).toMatchObject({ kind: 'workflow', parentRunId: parentId, parentStepId: 'kyc', attempt: 1 });

      const children = await platform.api<{ items: Run[] }>('GET', `/v1/runs?parentRunId=${parentId}`);
      expect(children.body.items.map((r) => r.id)).toEqual([child.id]);
    });

    it("fails the parent step with the child's failure", async () => {
      // The child refuses an input without `customer`: it fails at start, and so does the step.
      const parent = await finished(await start('onboard', {}));
      expect(parent.status).toBe('failed');
      expect(stepOf(parent, 'kyc').error).toMatchObject({ code: 'subWorkflow.failed', message: expect.stringContaining('input schema') });
      expect((await run(stepOf(parent, 'kyc').childRunId ?? '')).status).toBe('failed');
    });

    it('fails the step when the child workflow does not exist', async () => {
      await register(`
name: orphan
steps:
  - { id: call, type: subWorkflow, workflow: no-such-workflow }
`);
      const parent = await finished(await start('orphan', {}));
      expect(parent.status).toBe('failed');
      expect(stepOf(parent, 'call').error).toMatchObject({ code: 'subWorkflow.not-found' });
    });

    it('cancels the child when the parent is cancelled', async () => {
      await register(`
name: needs-sign-off
steps:
  - { id: sign-off, type: approval }
`);
      await register(`
name: contract
steps:
  - { id: sign, type: subWorkflow, workflow: needs-sign-off }
`);
      const parentId = await start('contract', {});
      const waiting = await expect
        .poll(async () => stepOf(await run(parentId), 'sign').childRunId, { timeout: 10_000 })
        .toBeDefined()
        .then(async () => stepOf(await run(parentId), 'sign').childRunId ?? '');
      await platform.waitForRun(waiting, ['running']);
      await expect.poll(async () => stepOf(await run(waiting), 'sign-off').status, { timeout: 10_000 }).toBe('waiting');

      expect((await platform.api('POST', `/v1/runs/${parentId}/cancel`, { reason: 'deal lost' })).status).toBe(200);
      expect((await finished(parentId)).status).toBe('cancelled');
      const child = await finished(waiting);
      expect(child.status).toBe('cancelled');
      expect(stepOf(child, 'sign-off').status).toBe('cancelled');
    });
  });

  describe('waitForEvent', () => {
    beforeAll(async () => {
      await register(`
name: await-payment
steps:
  - id: paid
    type: waitForEvent
    event: payment.captured
    match: event.data.orderId = input.orderId
    timeout: 20s
  - id: ship
    type: transform
    output: { orderId: "\${ input.orderId }", amount: "\${ steps.paid.output.data.amount }" }
output: "\${ steps.ship.output }"
`);
    });

    it('completes the run whose match holds, and only that one', async () => {
      const first = await start('await-payment', { orderId: 'o-1' });
      const second = await start('await-payment', { orderId: 'o-2' });
      await expect.poll(async () => stepOf(await run(first), 'paid').status).toBe('waiting');
      await expect.poll(async () => stepOf(await run(second), 'paid').status).toBe('waiting');
      const waiting = await run(second);
      const timeoutAt = new Date(Date.parse(stepOf(waiting, 'paid').startedAt ?? '') + 20_000).toISOString();
      expect(waiting.waitingFor).toEqual([
        { kind: 'event', stepId: 'paid', eventType: 'payment.captured', match: 'event.data.orderId = input.orderId', timeoutAt },
      ]);

      await publish('payment.captured', { orderId: 'o-2', amount: 20 });
      const done = await finished(second);
      expect(done).toMatchObject({ status: 'completed', output: { orderId: 'o-2', amount: 20 } });
      expect(stepOf(done, 'paid').output).toMatchObject({ type: 'payment.captured', data: { orderId: 'o-2', amount: 20 } });
      expect((await run(first)).status).toBe('running');

      await publish('payment.captured', { orderId: 'o-1', amount: 10 });
      expect(await finished(first)).toMatchObject({ status: 'completed', output: { orderId: 'o-1', amount: 10 } });
    });

    it('sees an event that arrived before the step began waiting', async () => {
      await register(`
name: ship-after-payment
steps:
  - id: reserve
    type: http
    with: { method: POST, url: "${target.url('/slow')}" }
  - id: paid
    type: waitForEvent
    event: payment.settled
    match: event.data.orderId = input.orderId
    timeout: 20s
output: "\${ steps.paid.output.data }"
`);
      const id = await start('ship-after-payment', { orderId: 'early-1' });
      // The event comes while `reserve` is still running (the target answers after 1.5 s).
      await publish('payment.settled', { orderId: 'early-1', amount: 5 });
      expect(stepOf(await run(id), 'paid').status).toBe('pending');
      expect(await finished(id)).toMatchObject({ status: 'completed', output: { orderId: 'early-1', amount: 5 } });
    });

    it('fails with code timeout when nothing matches in time', async () => {
      await register(`
name: impatient
steps:
  - { id: paid, type: waitForEvent, event: payment.captured, match: event.data.orderId = input.orderId, timeout: 1s }
`);
      const id = await start('impatient', { orderId: 'never' });
      const done = await finished(id);
      expect(done.status).toBe('failed');
      expect(stepOf(done, 'paid').error).toMatchObject({ code: 'timeout', message: "no 'payment.captured' event matched within 1s" });
    });
  });

  it('a waitAll parallel lets every branch finish, then fails naming the failed branch', async () => {
    await register(`
name: credit-decision
steps:
  - id: checks
    type: parallel
    mode: waitAll
    branches:
      - steps:
          - { id: bureau, type: http, with: { method: GET, url: "${target.url('/bureau')}" }, retry: { maxAttempts: 1 } }
      - steps:
          - { id: fraud, type: http, with: { method: GET, url: "${target.url('/slow')}" } }
          - { id: score, type: transform, output: 7 }
    catch:
      - next: manual-review
  - { id: approve, type: transform, output: auto }
  - { id: manual-review, type: transform, output: { reason: "\${ steps.checks.error.message }" } }
output: { approve: "\${ steps.approve.output }", manual: "\${ steps.\`manual-review\`.output }" }
`);
    const done = await finished(await start('credit-decision', {}));
    expect(done.status).toBe('completed');
    const statuses = Object.fromEntries(done.steps.map((s) => [s.id, s.status]));
    expect(statuses).toEqual({
      checks: 'failed',
      bureau: 'failed',
      fraud: 'completed',
      score: 'completed',
      approve: 'skipped',
      'manual-review': 'completed',
    });
    expect(done.output).toEqual({ manual: { reason: expect.stringMatching(/^step 'bureau' failed: .*503/) } });
  });
});

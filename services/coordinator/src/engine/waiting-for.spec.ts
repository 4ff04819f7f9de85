import { RunIds } from '@baton/contracts';
import type { StepDefinition, WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { at, iso, newRun, RunDriver, task, workflow } from './testing/run-driver';
import { explainWaits } from './waiting-for';

/** What the run driven so far waits for. */
const waitsOf = (run: RunDriver, concurrencyKey?: string) => explainWaits(run.state, run.definition, { concurrencyKey });

async function started(definition: WorkflowDefinition, input: unknown = {}, now = at(0)): Promise<RunDriver> {
  const run = new RunDriver(definition, { input });
  await run.start(now);
  return run;
}

describe('explainWaits', () => {
  it('a running delay waits for its timer, until its start plus the duration', async () => {
    const run = await started(workflow([{ id: 'cool-off', type: 'delay', duration: '1m30s' }]), {}, at(5));

    expect(waitsOf(run)).toEqual([{ kind: 'timer', stepId: 'cool-off', reason: 'delay', until: iso(at(95)) }]);
  });

  it('a delay until a literal instant gives that instant; one until an expression is not evaluated again', async () => {
    const literal = await started(workflow([{ id: 'launch', type: 'delay', until: '2026-03-02T08:00:00+01:00' }]));
    expect(waitsOf(literal)).toEqual([{ kind: 'timer', stepId: 'launch', reason: 'delay', until: '2026-03-02T07:00:00.000Z' }]);

    const computed = await started(workflow([{ id: 'ship', type: 'delay', until: '${ input.shipAt }' }]), {
      shipAt: '2026-03-05T00:00:00Z',
    });
    expect(waitsOf(computed)).toEqual([{ kind: 'timer', stepId: 'ship', reason: 'delay' }]);
  });

  it('a waitForEvent waits for its event type, with the match as written and its timeout', async () => {
    const run = await started(
      workflow([
        { id: 'paid', type: 'waitForEvent', event: 'payment.captured', match: 'event.data.orderId = input.orderId', timeout: '20s' },
      ]),
      { orderId: 'o-1' },
      at(3),
    );

    expect(waitsOf(run)).toEqual([
      { kind: 'event', stepId: 'paid', eventType: 'payment.captured', match: 'event.data.orderId = input.orderId', timeoutAt: iso(at(23)) },
    ]);
  });

  it('an approval waits for the signal named by its step id; without a timeout it has no deadline', async () => {
    const timed = await started(workflow([{ id: 'manager-ok', type: 'approval', timeout: '1h' }]));
    expect(waitsOf(timed)).toEqual([{ kind: 'approval', stepId: 'manager-ok', signal: 'manager-ok', timeoutAt: iso(at(3600)) }]);

    const open = await started(workflow([{ id: 'sign-off', type: 'approval' }]));
    expect(waitsOf(open)).toEqual([{ kind: 'approval', stepId: 'sign-off', signal: 'sign-off' }]);
  });

  it('gives no deadline for a wait begun again by a run retry: the step keeps its first start', async () => {
    const run = await started(workflow([{ id: 'manager-ok', type: 'approval', timeout: '1m' }]));
    await run.send({ type: 'TimerDue', stepId: 'manager-ok', attempt: 1 }, at(60));
    expect(run.state.status).toBe('failed');

    await run.send({ type: 'RetryRequested' }, at(120));

    expect(run.state.steps['manager-ok']).toMatchObject({ status: 'waiting', attempts: 2, startedAt: iso(at(0)) });
    expect(waitsOf(run)).toEqual([{ kind: 'approval', stepId: 'manager-ok', signal: 'manager-ok' }]);
  });

  it('a task waits for a worker of its task type; http and publish steps for the executor', async () => {
    const run = await started(
      workflow([
        task('charge'),
        { id: 'call', type: 'http', needs: [], with: { method: 'GET', url: 'http://svc/x' } },
        { id: 'tell', type: 'publish', needs: [], subject: 'baton.events.order.charged' },
      ]),
    );

    expect(waitsOf(run)).toEqual([
      { kind: 'worker', stepId: 'charge', taskType: 'charge-worker', attempt: 1 },
      { kind: 'executor', stepId: 'call', stepType: 'http', attempt: 1 },
      { kind: 'executor', stepId: 'tell', stepType: 'publish', attempt: 1 },
    ]);
  });

  it('a step waiting out its retry back-off waits for a retry timer, then for the next attempt', async () => {
    const run = await started(workflow([task('charge', { retry: { maxAttempts: 3, backoff: 'fixed', initialInterval: '10s' } })]));
    await run.fail('charge', 'card service down', true, 1, at(1));

    expect(run.state.steps.charge.status).toBe('scheduled');
    expect(waitsOf(run)).toEqual([{ kind: 'timer', stepId: 'charge', reason: 'retry' }]);

    await run.send({ type: 'RetryDue', stepId: 'charge', attempt: 2 }, at(11));
    expect(waitsOf(run)).toEqual([{ kind: 'worker', stepId: 'charge', taskType: 'charge-worker', attempt: 2 }]);
  });

  it('a paused run says so first; what is in flight still counts, a retry waits for the resume instead', async () => {
    const retry = { maxAttempts: 3, backoff: 'fixed' as const, initialInterval: '10s' };
    const run = await started(workflow([task('charge', { retry }), task('ship', { needs: [] })]));
    await run.fail('charge', 'card service down', true);
    await run.send({ type: 'PauseRequested' });

    expect(run.state.status).toBe('paused');
    expect(waitsOf(run)).toEqual([{ kind: 'paused' }, { kind: 'worker', stepId: 'ship', taskType: 'ship-worker', attempt: 1 }]);
  });

  it('a subWorkflow step waits for its child run', async () => {
    const run = await started(workflow([{ id: 'kyc', type: 'subWorkflow', workflow: 'identity-check' }]));

    expect(waitsOf(run)).toEqual([{ kind: 'child', stepId: 'kyc', childRunId: RunIds.forChild('run-1', 'kyc', 1) }]);
  });

  it('explains the steps inside containers and the items of a forEach, not the containers themselves', async () => {
    const perCustomer: StepDefinition = {
      id: 'notify',
      type: 'forEach',
      needs: [],
      items: '${ input.customers }',
      concurrency: 2,
      step: { type: 'task', taskType: 'mailer' },
    };
    const both: StepDefinition = {
      id: 'both',
      type: 'parallel',
      branches: [{ steps: [task('pack')] }, { steps: [{ id: 'qa', type: 'approval' }] }],
    };
    const run = await started(workflow([both, perCustomer]), { customers: ['a', 'b', 'c'] });

    expect(waitsOf(run)).toEqual([
      { kind: 'worker', stepId: 'pack', taskType: 'pack-worker', attempt: 1 },
      { kind: 'approval', stepId: 'qa', signal: 'qa' },
      { kind: 'worker', stepId: 'notify[0]', taskType: 'mailer', attempt: 1 },
      { kind: 'worker', stepId: 'notify[1]', taskType: 'mailer', attempt: 1 },
    ]);
  });

  it('a compensating run waits for the compensation in flight, and for its retry back-off', async () => {
    const retry = { maxAttempts: 2, backoff: 'fixed' as const, initialInterval: '5s' };
    const undoable = task('reserve', { compensate: { type: 'task', taskType: 'release', retry } });
    const run = await started(workflow([undoable, task('charge')]));
    await run.complete('reserve', { ref: 'r1' }, 1, at(1));
    await run.fail('charge', 'declined', false, 1, at(2));

    expect(run.state.status).toBe('compensating');
    expect(waitsOf(run)).toEqual([{ kind: 'worker', stepId: 'reserve', taskType: 'release', attempt: 1, compensation: true }]);

    await run.fail('reserve.compensate', 'release service down', true, 1, at(3));
    expect(waitsOf(run)).toEqual([{ kind: 'timer', stepId: 'reserve', reason: 'retry', compensation: true }]);
  });

  it('a run queued behind its concurrency limit waits for a slot of its key', () => {
    const definition = workflow([task('charge')], { concurrency: { key: '${ input.customerId }', limit: 2 } });

    expect(explainWaits(newRun(definition), definition, { concurrencyKey: 'c-7' })).toEqual([
      { kind: 'concurrency', key: 'c-7', limit: 2 },
    ]);
    // Without the evaluated key there is nothing to say that is known.
    expect(explainWaits(newRun(definition), definition)).toEqual([]);
  });

  it('a run that has ended waits for nothing', async () => {
    const run = await started(workflow([task('charge')]));
    await run.complete('charge', { ok: true }, 1, at(1));

    expect(run.state.status).toBe('completed');
    expect(waitsOf(run)).toEqual([]);
  });
});

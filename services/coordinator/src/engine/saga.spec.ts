import type { CompensationDefinition, RetryPolicy, StepDefinition, WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { decide } from './decide';
import type { Decision, HistoryRecord, RunEvent } from './run-state';
import {
  at,
  DEFAULT_TASK_TIMEOUT_MS,
  expectIgnored,
  historyTypes,
  iso,
  lifecycle,
  RunDriver,
  T0,
  task,
  type TaskStepExtra,
  withoutAttemptTimers,
  workflow,
} from './testing/run-driver';

/** Keeps every history record and lifecycle status of the run, and leaves attempt timers out of what `send` returns. */
class SagaRunDriver extends RunDriver {
  readonly history: HistoryRecord[] = [];
  readonly lifecycle: string[] = [];

  constructor(definition: WorkflowDefinition, input: unknown = {}) {
    super(definition, { input, view: withoutAttemptTimers });
  }

  override async send(event: RunEvent, now: Date = T0): Promise<Decision> {
    const decision = await super.send(event, now);
    this.history.push(...decision.history);
    for (const command of decision.commands) {
      if (command.type === 'PublishLifecycle') this.lifecycle.push(command.status);
    }
    return decision;
  }

  cancel(reason?: string, now: Date = T0): Promise<Decision> {
    return this.send({ type: 'CancelRequested', ...(reason === undefined ? {} : { reason }) }, now);
  }
}

/** The undo task of a step: worker `undo-<id>`, told which reference to release. */
function undo(id: string, retry?: RetryPolicy): CompensationDefinition {
  return { type: 'task', taskType: `undo-${id}`, input: { ref: `\${ steps.${id}.output.ref }` }, ...(retry ? { retry } : {}) };
}

/** A task step whose compensation is `undo(id)`. */
function undoable(id: string, extra: TaskStepExtra = {}): StepDefinition {
  return task(id, { compensate: undo(id), ...extra });
}

function dispatchOf(stepId: string, attempt = 1, now: Date = T0) {
  return {
    type: 'DispatchTask',
    stepId,
    attempt,
    taskType: `${stepId}-worker`,
    input: undefined,
    deadline: iso(new Date(now.getTime() + DEFAULT_TASK_TIMEOUT_MS)),
  };
}

function compensationDispatch(stepId: string, ref: unknown, attempt = 1, now: Date = T0) {
  return {
    type: 'DispatchTask',
    stepId: `${stepId}.compensate`,
    attempt,
    taskType: `undo-${stepId}`,
    input: { ref },
    deadline: iso(new Date(now.getTime() + DEFAULT_TASK_TIMEOUT_MS)),
  };
}

/** Runs s1..s5 in sequence, each undoable, and completes s1..s3 with refs r1..r3 at 1 s, 2 s, 3 s. */
async function fiveStepRunWithThreeDone(
  definition = workflow(['s1', 's2', 's3', 's4', 's5'].map((id) => undoable(id))),
): Promise<SagaRunDriver> {
  const run = new SagaRunDriver(definition);
  await run.start();
  for (const [index, id] of ['s1', 's2', 's3'].entries()) {
    await run.complete(id, { ref: `r${index + 1}` }, 1, at(index + 1));
  }
  expect(run.statuses()).toMatchObject({ s1: 'completed', s2: 'completed', s3: 'completed', s4: 'running', s5: 'pending' });
  return run;
}

describe('saga compensation', () => {
  describe('when a step fails', () => {
    it('undoes the completed steps one at a time, most recent first, and ends compensated', async () => {
      const run = await fiveStepRunWithThreeDone();

      const failed = await run.fail('s4', 'out of stock', false, 1, at(4));
      expect(failed.commands).toEqual([lifecycle('compensating'), compensationDispatch('s3', 'r3', 1, at(4))]);
      expect(failed.history).toEqual([
        { type: 'StepFailed', stepId: 's4', attempt: 1, data: { message: 'out of stock', retryable: false }, at: iso(at(4)) },
        { type: 'StepSkipped', stepId: 's5', at: iso(at(4)) },
        { type: 'RunCompensating', data: { reason: 'failed' }, at: iso(at(4)) },
        { type: 'CompensationStarted', stepId: 's3', attempt: 1, at: iso(at(4)) },
      ]);
      expect(run.state).toMatchObject({
        status: 'compensating',
        compensationReason: 'failed',
        error: { message: "step 's4' failed: out of stock", stepId: 's4' },
      });
      expect(run.state.endedAt).toBeUndefined();
      expect(run.state.steps.s3).toMatchObject({ status: 'completed', compensation: { status: 'running', attempts: 1 } });
      expect(run.state.steps.s2.compensation).toBeUndefined();
      expect(run.statuses()).toEqual({ s1: 'completed', s2: 'completed', s3: 'completed', s4: 'failed', s5: 'skipped' });

      const s3Undone = await run.complete('s3.compensate', { released: 'r3' }, 1, at(5));
      expect(s3Undone.commands).toEqual([compensationDispatch('s2', 'r2', 1, at(5))]);
      expect(s3Undone.history).toEqual([
        { type: 'StepCompensated', stepId: 's3', attempt: 1, at: iso(at(5)) },
        { type: 'CompensationStarted', stepId: 's2', attempt: 1, at: iso(at(5)) },
      ]);
      expect(run.state.steps.s3).toMatchObject({ status: 'compensated', compensation: { status: 'completed', attempts: 1 } });
      expect(run.state.steps.s3.output).toEqual({ ref: 'r3' });
      expect(run.state.status).toBe('compensating');

      const s2Undone = await run.complete('s2.compensate', null, 1, at(6));
      expect(s2Undone.commands).toEqual([compensationDispatch('s1', 'r1', 1, at(6))]);
      expect(historyTypes(s2Undone.history)).toEqual(['StepCompensated:s2', 'CompensationStarted:s1']);

      const s1Undone = await run.complete('s1.compensate', null, 1, at(7));
      expect(s1Undone.commands).toEqual([lifecycle('compensated')]);
      expect(s1Undone.history).toEqual([
        { type: 'StepCompensated', stepId: 's1', attempt: 1, at: iso(at(7)) },
        { type: 'RunCompensated', at: iso(at(7)) },
      ]);
      expect(run.state).toMatchObject({
        status: 'compensated',
        endedAt: iso(at(7)),
        // The run still says why it had to be undone.
        error: { message: "step 's4' failed: out of stock", stepId: 's4' },
      });
      expect(run.statuses()).toEqual({ s1: 'compensated', s2: 'compensated', s3: 'compensated', s4: 'failed', s5: 'skipped' });
      expect(run.state.steps.s4.compensation).toBeUndefined();
      expect(run.state.steps.s5.compensation).toBeUndefined();

      expect(run.lifecycle).toEqual(['running', 'compensating', 'compensated']);
      expect(historyTypes(run.history)).toEqual([
        'RunStarted',
        'StepStarted:s1',
        'StepCompleted:s1',
        'StepStarted:s2',
        'StepCompleted:s2',
        'StepStarted:s3',
        'StepCompleted:s3',
        'StepStarted:s4',
        'StepFailed:s4',
        'StepSkipped:s5',
        'RunCompensating',
        'CompensationStarted:s3',
        'StepCompensated:s3',
        'CompensationStarted:s2',
        'StepCompensated:s2',
        'CompensationStarted:s1',
        'StepCompensated:s1',
        'RunCompensated',
      ]);
    });

    it('passes over completed steps that have no compensation', async () => {
      const run = await fiveStepRunWithThreeDone(workflow([undoable('s1'), task('s2'), undoable('s3'), undoable('s4'), undoable('s5')]));

      const failed = await run.fail('s4', 'boom', false, 1, at(4));
      expect(failed.commands).toEqual([lifecycle('compensating'), compensationDispatch('s3', 'r3', 1, at(4))]);

      const s3Undone = await run.complete('s3.compensate', null, 1, at(5));
      expect(s3Undone.commands).toEqual([compensationDispatch('s1', 'r1', 1, at(5))]);
      expect(historyTypes(s3Undone.history)).toEqual(['StepCompensated:s3', 'CompensationStarted:s1']);

      const done = await run.complete('s1.compensate', null, 1, at(6));
      expect(done.commands).toEqual([lifecycle('compensated')]);
      expect(run.state.status).toBe('compensated');
      expect(run.statuses()).toEqual({ s1: 'compensated', s2: 'completed', s3: 'compensated', s4: 'failed', s5: 'skipped' });
      expect(run.state.steps.s2.compensation).toBeUndefined();
    });

    it('compensates only after the failing step has used up its own retries', async () => {
      const run = new SagaRunDriver(
        workflow([undoable('s1'), task('s2', { retry: { maxAttempts: 2, backoff: 'fixed', initialInterval: '5s' } })]),
      );
      await run.start();
      await run.complete('s1', { ref: 'r1' });

      const firstFailure = await run.fail('s2', 'flaky', true, 1, at(1));
      expect(firstFailure.commands).toEqual([{ type: 'ScheduleRetry', stepId: 's2', attempt: 2, dueAt: iso(at(6)) }]);
      expect(run.state.status).toBe('running');

      const retried = await run.send({ type: 'RetryDue', stepId: 's2', attempt: 2 }, at(6));
      expect(retried.commands).toEqual([dispatchOf('s2', 2, at(6))]);
      const lastFailure = await run.fail('s2', 'flaky', true, 2, at(7));
      expect(lastFailure.commands).toEqual([lifecycle('compensating'), compensationDispatch('s1', 'r1', 1, at(7))]);
      expect(run.state.steps.s2).toMatchObject({ status: 'failed', attempts: 2 });
    });

    it('fails the run directly when no completed step can be undone', async () => {
      const run = new SagaRunDriver(workflow([task('s1'), undoable('s2'), undoable('s3')]));
      await run.start();
      await run.complete('s1', { ref: 'r1' });

      const failed = await run.fail('s2', 'declined', false, 1, at(2));

      expect(failed.commands).toEqual([lifecycle('failed')]);
      expect(historyTypes(failed.history)).toEqual(['StepFailed:s2', 'StepSkipped:s3', 'RunFailed']);
      expect(run.state).toMatchObject({
        status: 'failed',
        error: { message: "step 's2' failed: declined", stepId: 's2' },
        endedAt: iso(at(2)),
      });
      expect(run.state.compensationReason).toBeUndefined();
      expect(run.lifecycle).toEqual(['running', 'failed']);
      expect(run.statuses()).toEqual({ s1: 'completed', s2: 'failed', s3: 'skipped' });
    });

    it('fails the run directly when the very first step fails, though it has a compensation', async () => {
      const run = new SagaRunDriver(workflow([undoable('s1'), undoable('s2')]));
      await run.start();

      const failed = await run.fail('s1', 'nope', false);

      expect(failed.commands).toEqual([lifecycle('failed')]);
      expect(run.state.status).toBe('failed');
      expect(run.state.steps.s1.compensation).toBeUndefined();
    });

    it('compensates the steps before a fail step', async () => {
      const run = new SagaRunDriver(
        workflow([undoable('reserve'), { id: 'stop', type: 'fail', error: 'order ${ input.orderId } is on hold' }, undoable('ship')]),
        { orderId: 'o-7' },
      );
      await run.start();

      const stopped = await run.complete('reserve', { ref: 'res-1' }, 1, at(1));

      expect(stopped.commands).toEqual([lifecycle('compensating'), compensationDispatch('reserve', 'res-1', 1, at(1))]);
      expect(historyTypes(stopped.history)).toEqual([
        'StepCompleted:reserve',
        'StepStarted:stop',
        'StepFailed:stop',
        'StepSkipped:ship',
        'RunCompensating',
        'CompensationStarted:reserve',
      ]);
      expect(run.state.steps.stop).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { message: 'order o-7 is on hold', retryable: false },
      });
      expect(run.state).toMatchObject({
        status: 'compensating',
        error: { message: "step 'stop' failed: order o-7 is on hold", stepId: 'stop' },
      });

      const undone = await run.complete('reserve.compensate', null, 1, at(2));
      expect(undone.commands).toEqual([lifecycle('compensated')]);
      expect(run.statuses()).toEqual({ reserve: 'compensated', stop: 'failed', ship: 'skipped' });
    });

    it('dispatches http and publish compensations through their step types', async () => {
      const run = new SagaRunDriver(
        workflow([
          task('charge', {
            compensate: {
              type: 'http',
              with: {
                method: 'DELETE',
                url: 'http://payments.local/charges/${ steps.charge.output.ref }',
                headers: { 'x-run': '${ run.id }' },
              },
            },
          }),
          task('announce', {
            compensate: { type: 'publish', subject: 'baton.events.order.withdrawn', data: { orderId: '${ input.orderId }' } },
          }),
          task('ship'),
        ]),
        { orderId: 'o-1' },
      );
      await run.start();
      await run.complete('charge', { ref: 'ch-1' });
      await run.complete('announce', null);

      const failed = await run.fail('ship', 'no carrier', false, 1, at(10));
      expect(failed.commands).toEqual([
        lifecycle('compensating'),
        {
          type: 'DispatchTask',
          stepId: 'announce.compensate',
          attempt: 1,
          taskType: 'publish',
          input: {
            subject: 'baton.events.order.withdrawn',
            eventType: 'order.withdrawn',
            source: 'baton/orders/run-1',
            data: { orderId: 'o-1' },
          },
          deadline: iso(at(40)),
        },
      ]);

      const next = await run.complete('announce.compensate', null, 1, at(11));
      expect(next.commands).toEqual([
        {
          type: 'DispatchTask',
          stepId: 'charge.compensate',
          attempt: 1,
          taskType: 'http',
          input: { method: 'DELETE', url: 'http://payments.local/charges/ch-1', headers: { 'x-run': 'run-1' }, timeoutMs: 30_000 },
          deadline: iso(at(41)),
        },
      ]);
    });
  });

  describe('compensation failures', () => {
    const refundRetry: RetryPolicy = { maxAttempts: 3, backoff: 'exponential', initialInterval: '2s' };

    function refundRun(): SagaRunDriver {
      return new SagaRunDriver(
        workflow([
          undoable('s1'),
          task('s2', { compensate: undo('s2', refundRetry), retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1m' } }),
          task('s3'),
        ]),
      );
    }

    it('retries a failed compensation per its own retry policy, then fails the run naming it and undoes nothing more', async () => {
      const run = refundRun();
      await run.start();
      await run.complete('s1', { ref: 'r1' });
      await run.complete('s2', { ref: 'r2' });
      const failed = await run.fail('s3', 'no carrier', false, 1, at(10));
      expect(failed.commands).toEqual([lifecycle('compensating'), compensationDispatch('s2', 'r2', 1, at(10))]);

      const firstFailure = await run.fail('s2.compensate', 'refund API down', true, 1, at(11));
      expect(firstFailure.commands).toEqual([{ type: 'ScheduleRetry', stepId: 's2.compensate', attempt: 2, dueAt: iso(at(13)) }]);
      expect(firstFailure.history).toEqual([
        {
          type: 'CompensationRetryScheduled',
          stepId: 's2',
          attempt: 2,
          data: { dueAt: iso(at(13)), error: { message: 'refund API down', retryable: true } },
          at: iso(at(11)),
        },
      ]);
      expect(run.state.status).toBe('compensating');
      expect(run.state.steps.s2).toMatchObject({
        status: 'completed',
        compensation: { status: 'scheduled', attempts: 1, error: { message: 'refund API down', retryable: true } },
      });

      const secondAttempt = await run.send({ type: 'RetryDue', stepId: 's2.compensate', attempt: 2 }, at(13));
      expect(secondAttempt.commands).toEqual([compensationDispatch('s2', 'r2', 2, at(13))]);
      expect(secondAttempt.history).toEqual([{ type: 'CompensationStarted', stepId: 's2', attempt: 2, at: iso(at(13)) }]);
      expect(run.state.steps.s2.compensation).toMatchObject({ status: 'running', attempts: 2 });

      // Exponential: 2 s after the first failure, 4 s after the second.
      const secondFailure = await run.fail('s2.compensate', 'refund API down', true, 2, at(14));
      expect(secondFailure.commands).toEqual([{ type: 'ScheduleRetry', stepId: 's2.compensate', attempt: 3, dueAt: iso(at(18)) }]);

      const thirdAttempt = await run.send({ type: 'RetryDue', stepId: 's2.compensate', attempt: 3 }, at(18));
      expect(thirdAttempt.commands).toEqual([compensationDispatch('s2', 'r2', 3, at(18))]);

      const exhausted = await run.fail('s2.compensate', 'refund API down', true, 3, at(19));
      expect(exhausted.commands).toEqual([lifecycle('failed')]);
      expect(exhausted.history).toEqual([
        { type: 'CompensationFailed', stepId: 's2', attempt: 3, data: { message: 'refund API down', retryable: true }, at: iso(at(19)) },
        { type: 'RunFailed', data: { message: "compensation of step 's2' failed: refund API down", stepId: 's2' }, at: iso(at(19)) },
      ]);
      expect(run.state).toMatchObject({
        status: 'failed',
        error: { message: "compensation of step 's2' failed: refund API down", stepId: 's2' },
        endedAt: iso(at(19)),
      });
      expect(run.state.steps.s2).toMatchObject({
        status: 'completed',
        compensation: { status: 'failed', attempts: 3, error: { message: 'refund API down', retryable: true } },
      });
      // s1 is never undone once a compensation has failed for good.
      expect(run.state.steps.s1).toMatchObject({ status: 'completed' });
      expect(run.state.steps.s1.compensation).toBeUndefined();
      expect(run.lifecycle).toEqual(['running', 'compensating', 'failed']);
      expect(run.history.some((entry) => entry.type === 'CompensationStarted' && entry.stepId === 's1')).toBe(false);

      await expectIgnored(
        run,
        { type: 'TaskCompleted', stepId: 's2.compensate', attempt: 3, output: null },
        'not the running compensation attempt',
        at(20),
      );
    });

    it('fails the run at once on a non-retryable compensation error', async () => {
      const run = refundRun();
      await run.start();
      await run.complete('s1', { ref: 'r1' });
      await run.complete('s2', { ref: 'r2' });
      await run.fail('s3', 'no carrier', false);

      const failed = await run.fail('s2.compensate', 'charge already settled', false, 1, at(3));

      expect(failed.commands).toEqual([lifecycle('failed')]);
      expect(historyTypes(failed.history)).toEqual(['CompensationFailed:s2', 'RunFailed']);
      expect(run.state.error).toEqual({ message: "compensation of step 's2' failed: charge already settled", stepId: 's2' });
      expect(run.state.steps.s2.compensation).toEqual({
        status: 'failed',
        attempts: 1,
        error: { message: 'charge already settled', retryable: false },
      });
    });

    it("uses the default retry policy, not the step's, for a compensation without a retry", async () => {
      const run = new SagaRunDriver(
        workflow([undoable('s1', { retry: { maxAttempts: 5, backoff: 'fixed', initialInterval: '30s' } }), task('s2')]),
      );
      await run.start();
      await run.complete('s1', { ref: 'r1' });
      await run.fail('s2', 'boom', false);

      const first = await run.fail('s1.compensate', 'busy', true, 1, at(1));
      expect(first.commands).toEqual([{ type: 'ScheduleRetry', stepId: 's1.compensate', attempt: 2, dueAt: iso(at(2)) }]);
      await run.send({ type: 'RetryDue', stepId: 's1.compensate', attempt: 2 }, at(2));
      const second = await run.fail('s1.compensate', 'busy', true, 2, at(3));
      expect(second.commands).toEqual([{ type: 'ScheduleRetry', stepId: 's1.compensate', attempt: 3, dueAt: iso(at(4)) }]);
      await run.send({ type: 'RetryDue', stepId: 's1.compensate', attempt: 3 }, at(4));

      const third = await run.fail('s1.compensate', 'busy', true, 3, at(5));
      expect(third.commands).toEqual([lifecycle('failed')]);
      expect(run.state.error?.message).toBe("compensation of step 's1' failed: busy");
    });

    it('fails the run without dispatching when the compensation template cannot be evaluated', async () => {
      const run = new SagaRunDriver(
        workflow([
          undoable('s1'),
          task('s2', { compensate: { type: 'task', taskType: 'undo-s2', input: { amount: '${ $number(steps.s2.output.ref) }' } } }),
          task('s3'),
        ]),
      );
      await run.start();
      await run.complete('s1', { ref: 'r1' });
      await run.complete('s2', { ref: 'not-a-number' });

      const failed = await run.fail('s3', 'boom', false, 1, at(2));

      expect(failed.commands).toEqual([lifecycle('compensating'), lifecycle('failed')]);
      expect(historyTypes(failed.history)).toEqual(['StepFailed:s3', 'RunCompensating', 'CompensationFailed:s2', 'RunFailed']);
      const compensationError = run.state.steps.s2.compensation?.error;
      expect(compensationError?.retryable).toBe(false);
      expect(compensationError?.message).toContain("expression '$number(steps.s2.output.ref)' failed");
      expect(run.state).toMatchObject({
        status: 'failed',
        error: { message: `compensation of step 's2' failed: ${compensationError?.message}`, stepId: 's2' },
        endedAt: iso(at(2)),
      });
      expect(run.state.steps.s1.compensation).toBeUndefined();
      expect(run.lifecycle).toEqual(['running', 'compensating', 'failed']);
    });

    it('recovers when a retried compensation succeeds and goes on with the next one', async () => {
      const run = refundRun();
      await run.start();
      await run.complete('s1', { ref: 'r1' });
      await run.complete('s2', { ref: 'r2' });
      await run.fail('s3', 'no carrier', false);
      await run.fail('s2.compensate', 'busy', true, 1, at(1));
      await run.send({ type: 'RetryDue', stepId: 's2.compensate', attempt: 2 }, at(3));

      const undone = await run.complete('s2.compensate', null, 2, at(4));

      expect(undone.commands).toEqual([compensationDispatch('s1', 'r1', 1, at(4))]);
      expect(undone.history).toEqual([
        { type: 'StepCompensated', stepId: 's2', attempt: 2, at: iso(at(4)) },
        { type: 'CompensationStarted', stepId: 's1', attempt: 1, at: iso(at(4)) },
      ]);
      // A successful compensation keeps no error of its earlier attempts.
      expect(run.state.steps.s2.compensation).toEqual({ status: 'completed', attempts: 2 });
    });
  });

  describe('parallel branches', () => {
    it('undoes steps in reverse order of completion, not of the step list', async () => {
      const run = new SagaRunDriver(
        workflow([undoable('a'), undoable('b', { needs: ['a'] }), undoable('c', { needs: ['a'] }), undoable('d', { needs: ['b', 'c'] })]),
      );
      await run.start();
      await run.complete('a', { ref: 'ra' }, 1, at(1));
      await run.complete('c', { ref: 'rc' }, 1, at(2));
      await run.complete('b', { ref: 'rb' }, 1, at(3));
      expect([run.state.steps.a, run.state.steps.c, run.state.steps.b].map((step) => step.completionOrder)).toEqual([1, 2, 3]);

      const failed = await run.fail('d', 'boom', false, 1, at(4));
      expect(failed.commands).toEqual([lifecycle('compensating'), compensationDispatch('b', 'rb', 1, at(4))]);

      const bUndone = await run.complete('b.compensate', null, 1, at(5));
      expect(bUndone.commands).toEqual([compensationDispatch('c', 'rc', 1, at(5))]);

      const cUndone = await run.complete('c.compensate', null, 1, at(6));
      expect(cUndone.commands).toEqual([compensationDispatch('a', 'ra', 1, at(6))]);

      const aUndone = await run.complete('a.compensate', null, 1, at(7));
      expect(aUndone.commands).toEqual([lifecycle('compensated')]);
      expect(run.history.filter((entry) => entry.type === 'CompensationStarted').map((entry) => entry.stepId)).toEqual(['b', 'c', 'a']);
    });

    it('waits for a branch still running, and undoes it next once it completes', async () => {
      const run = new SagaRunDriver(
        workflow([undoable('a'), undoable('b', { needs: ['a'] }), undoable('c', { needs: ['a'] }), undoable('d', { needs: ['b', 'c'] })]),
      );
      await run.start();
      await run.complete('a', { ref: 'ra' }, 1, at(1));
      expect(run.statuses()).toEqual({ a: 'completed', b: 'running', c: 'running', d: 'pending' });

      const failed = await run.fail('b', 'boom', false, 1, at(2));
      expect(failed.commands).toEqual([lifecycle('compensating'), compensationDispatch('a', 'ra', 1, at(2))]);
      expect(run.statuses()).toEqual({ a: 'completed', b: 'failed', c: 'running', d: 'skipped' });

      // Nothing left to undo, but c may still complete: the run must not end yet.
      const aUndone = await run.complete('a.compensate', null, 1, at(3));
      expect(aUndone.commands).toEqual([]);
      expect(aUndone.history).toEqual([{ type: 'StepCompensated', stepId: 'a', attempt: 1, at: iso(at(3)) }]);
      expect(run.state.status).toBe('compensating');
      expect(run.state.endedAt).toBeUndefined();

      const cDone = await run.complete('c', { ref: 'rc' }, 1, at(4));
      expect(cDone.commands).toEqual([compensationDispatch('c', 'rc', 1, at(4))]);
      expect(cDone.history).toEqual([
        { type: 'StepCompleted', stepId: 'c', attempt: 1, at: iso(at(4)) },
        { type: 'CompensationStarted', stepId: 'c', attempt: 1, at: iso(at(4)) },
      ]);
      expect(run.state.steps.c).toMatchObject({ status: 'completed', output: { ref: 'rc' }, completionOrder: 2 });
      // d stays skipped: a late result does not move the run forward.
      expect(run.state.steps.d.status).toBe('skipped');

      const cUndone = await run.complete('c.compensate', null, 1, at(5));
      expect(cUndone.commands).toEqual([lifecycle('compensated')]);
      expect(run.state).toMatchObject({ status: 'compensated', endedAt: iso(at(5)) });
      expect(run.statuses()).toEqual({ a: 'compensated', b: 'failed', c: 'compensated', d: 'skipped' });
    });

    it('queues a branch that completes while another compensation runs behind it', async () => {
      const run = new SagaRunDriver(workflow([undoable('a'), undoable('b', { needs: ['a'] }), undoable('c', { needs: ['a'] })]));
      await run.start();
      await run.complete('a', { ref: 'ra' });
      await run.fail('b', 'boom', false);

      const cDone = await run.complete('c', { ref: 'rc' }, 1, at(1));
      expect(cDone.commands).toEqual([]);
      expect(historyTypes(cDone.history)).toEqual(['StepCompleted:c']);
      expect(run.state.steps.c.compensation).toBeUndefined();

      const aUndone = await run.complete('a.compensate', null, 1, at(2));
      expect(aUndone.commands).toEqual([compensationDispatch('c', 'rc', 1, at(2))]);

      await run.complete('c.compensate', null, 1, at(3));
      expect(run.state.status).toBe('compensated');
    });

    it('does not retry a branch that fails while the run compensates, and then ends compensated', async () => {
      const run = new SagaRunDriver(workflow([undoable('a'), undoable('b', { needs: ['a'] }), undoable('c', { needs: ['a'] })]));
      await run.start();
      await run.complete('a', { ref: 'ra' });
      await run.fail('b', 'boom', false);
      await run.complete('a.compensate', null, 1, at(1));
      expect(run.state.status).toBe('compensating');

      const cFailed = await run.fail('c', 'timeout', true, 1, at(2));

      expect(cFailed.commands).toEqual([lifecycle('compensated')]);
      expect(historyTypes(cFailed.history)).toEqual(['StepFailed:c', 'RunCompensated']);
      expect(run.state.steps.c).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'timeout', retryable: true } });
      expect(run.state).toMatchObject({ status: 'compensated', error: { message: "step 'b' failed: boom", stepId: 'b' } });
    });
  });

  describe('results that no longer apply', () => {
    it('ignores duplicate, early, stale and unknown compensation results and retry timers', async () => {
      const run = await fiveStepRunWithThreeDone();
      await run.fail('s4', 'boom', false);

      // Not yet s2's turn.
      await expectIgnored(
        run,
        { type: 'TaskCompleted', stepId: 's2.compensate', attempt: 1, output: null },
        'not the running compensation attempt',
      );
      // Not the running attempt of s3's compensation.
      await expectIgnored(
        run,
        { type: 'TaskFailed', stepId: 's3.compensate', attempt: 2, error: { message: 'late', retryable: true } },
        'not the running compensation attempt',
      );
      await expectIgnored(
        run,
        { type: 'TaskCompleted', stepId: 'ghost.compensate', attempt: 1, output: null },
        'not the running compensation attempt',
      );
      await expectIgnored(run, { type: 'RetryDue', stepId: 's3.compensate', attempt: 2 }, 'not the scheduled compensation attempt');

      await run.complete('s3.compensate', null, 1, at(5));
      // The same result delivered twice must not undo s2 twice.
      await expectIgnored(
        run,
        { type: 'TaskCompleted', stepId: 's3.compensate', attempt: 1, output: null },
        'not the running compensation attempt',
      );
      expect(run.state.steps.s2.compensation).toEqual({ status: 'running', attempts: 1 });

      // Results of the steps themselves no longer apply either.
      await expectIgnored(run, { type: 'TaskCompleted', stepId: 's4', attempt: 1, output: null }, 'step is failed');
      await expectIgnored(run, { type: 'RetryDue', stepId: 's4', attempt: 2 }, 'run is compensating');
    });

    it('ignores a compensation retry timer for any attempt but the scheduled one', async () => {
      const run = new SagaRunDriver(workflow([undoable('s1'), task('s2')]));
      await run.start();
      await run.complete('s1', { ref: 'r1' });
      await run.fail('s2', 'boom', false);
      await run.fail('s1.compensate', 'busy', true, 1, at(1));

      await expectIgnored(run, { type: 'RetryDue', stepId: 's1.compensate', attempt: 3 }, 'not the scheduled compensation attempt', at(2));
      await expectIgnored(run, { type: 'RetryDue', stepId: 's1.compensate', attempt: 1 }, 'not the scheduled compensation attempt', at(2));
      // While the retry is scheduled there is no running attempt to report on.
      await expectIgnored(
        run,
        { type: 'TaskCompleted', stepId: 's1.compensate', attempt: 1, output: null },
        'not the running compensation attempt',
        at(2),
      );

      await run.send({ type: 'RetryDue', stepId: 's1.compensate', attempt: 2 }, at(2));
      await expectIgnored(run, { type: 'RetryDue', stepId: 's1.compensate', attempt: 2 }, 'not the scheduled compensation attempt', at(2));
      expect(run.state.steps.s1.compensation).toMatchObject({ status: 'running', attempts: 2 });
    });

    it('ignores compensation results once the run has ended', async () => {
      const run = new SagaRunDriver(workflow([undoable('s1'), task('s2')]));
      await run.start();
      await run.complete('s1', { ref: 'r1' });
      await run.fail('s2', 'boom', false);
      await run.complete('s1.compensate', null);
      expect(run.state.status).toBe('compensated');

      await expectIgnored(
        run,
        { type: 'TaskCompleted', stepId: 's1.compensate', attempt: 1, output: null },
        'not the running compensation attempt',
      );
      await expectIgnored(run, { type: 'TaskCompleted', stepId: 's2', attempt: 1, output: null }, 'run is compensated');
    });
  });

  describe('cancellation', () => {
    it('cancels at once without compensateOnCancel: pending steps cancelled, completed ones left as they are', async () => {
      const run = new SagaRunDriver(
        workflow([
          undoable('a'),
          undoable('b', { needs: ['a'] }),
          undoable('c', { needs: ['a'], retry: { maxAttempts: 3, backoff: 'fixed', initialInterval: '1m' } }),
          undoable('d', { needs: ['b', 'c'] }),
        ]),
      );
      await run.start();
      await run.complete('a', { ref: 'ra' });
      await run.fail('c', 'flaky', true);
      expect(run.statuses()).toEqual({ a: 'completed', b: 'running', c: 'scheduled', d: 'pending' });

      const cancelled = await run.cancel('customer changed their mind', at(5));

      expect(cancelled.commands).toEqual([lifecycle('cancelled')]);
      expect(cancelled.history).toEqual([
        { type: 'StepCancelled', stepId: 'c', at: iso(at(5)) },
        { type: 'StepCancelled', stepId: 'd', at: iso(at(5)) },
        { type: 'RunCancelled', data: { reason: 'customer changed their mind' }, at: iso(at(5)) },
      ]);
      expect(run.state).toMatchObject({ status: 'cancelled', endedAt: iso(at(5)) });
      expect(run.state.compensationReason).toBeUndefined();
      expect(run.statuses()).toEqual({ a: 'completed', b: 'running', c: 'cancelled', d: 'cancelled' });
      expect(run.state.steps.a.compensation).toBeUndefined();
      expect(run.lifecycle).toEqual(['running', 'cancelled']);

      await expectIgnored(run, { type: 'TaskCompleted', stepId: 'b', attempt: 1, output: null }, 'run is cancelled', at(6));
      await expectIgnored(run, { type: 'RetryDue', stepId: 'c', attempt: 2 }, 'run is cancelled', at(6));
    });

    it('with compensateOnCancel, undoes the completed steps and then ends cancelled', async () => {
      const run = new SagaRunDriver(workflow([undoable('a'), undoable('b'), undoable('c')], { compensateOnCancel: true }));
      await run.start();
      await run.complete('a', { ref: 'ra' }, 1, at(1));
      await run.complete('b', { ref: 'rb' }, 1, at(2));

      const cancelled = await run.cancel('duplicate order', at(3));

      expect(cancelled.commands).toEqual([lifecycle('compensating'), compensationDispatch('b', 'rb', 1, at(3))]);
      expect(cancelled.history).toEqual([
        { type: 'RunCompensating', data: { reason: 'cancelled' }, at: iso(at(3)) },
        { type: 'CompensationStarted', stepId: 'b', attempt: 1, at: iso(at(3)) },
      ]);
      expect(run.state).toMatchObject({ status: 'compensating', compensationReason: 'cancelled' });
      // c was running when cancelled: it is left alone, like a running step of a failed run.
      expect(run.statuses()).toEqual({ a: 'completed', b: 'completed', c: 'running' });
    });

    it('with compensateOnCancel, ends cancelled once every completed step is undone', async () => {
      const run = new SagaRunDriver(workflow([undoable('a'), undoable('b'), undoable('c')], { compensateOnCancel: true }));
      await run.start();
      await run.complete('a', { ref: 'ra' }, 1, at(1));

      const cancelled = await run.cancel(undefined, at(2));
      expect(cancelled.commands).toEqual([lifecycle('compensating'), compensationDispatch('a', 'ra', 1, at(2))]);
      expect(run.statuses()).toEqual({ a: 'completed', b: 'running', c: 'cancelled' });

      // b is still running: the run waits for it.
      const aUndone = await run.complete('a.compensate', null, 1, at(3));
      expect(aUndone.commands).toEqual([]);
      expect(run.state.status).toBe('compensating');

      const bDone = await run.complete('b', { ref: 'rb' }, 1, at(4));
      expect(bDone.commands).toEqual([compensationDispatch('b', 'rb', 1, at(4))]);

      const bUndone = await run.complete('b.compensate', null, 1, at(5));
      expect(bUndone.commands).toEqual([lifecycle('cancelled')]);
      expect(bUndone.history).toEqual([
        { type: 'StepCompensated', stepId: 'b', attempt: 1, at: iso(at(5)) },
        { type: 'RunCancelled', at: iso(at(5)) },
      ]);
      expect(run.state).toMatchObject({ status: 'cancelled', endedAt: iso(at(5)) });
      expect(run.state.error).toBeUndefined();
      expect(run.statuses()).toEqual({ a: 'compensated', b: 'compensated', c: 'cancelled' });
      expect(run.lifecycle).toEqual(['running', 'compensating', 'cancelled']);
    });

    it('with compensateOnCancel and nothing to undo, cancels at once', async () => {
      const run = new SagaRunDriver(workflow([task('a'), task('b')], { compensateOnCancel: true }));
      await run.start();
      await run.complete('a', { ref: 'ra' });

      const cancelled = await run.cancel('stop');

      expect(cancelled.commands).toEqual([lifecycle('cancelled')]);
      expect(historyTypes(cancelled.history)).toEqual(['RunCancelled']);
      expect(run.state.status).toBe('cancelled');
      expect(run.state.compensationReason).toBeUndefined();
    });

    it('with compensateOnCancel, waits for an undoable step still running and undoes it when it completes', async () => {
      const run = new SagaRunDriver(workflow([task('a'), undoable('b')], { compensateOnCancel: true }));
      await run.start();
      await run.complete('a', { ref: 'ra' });

      const cancelled = await run.cancel('stop');
      expect(cancelled.commands).toEqual([lifecycle('compensating')]);
      expect(run.state.status).toBe('compensating');

      const late = await run.complete('b', { ref: 'rb' });
      expect(late.commands).toEqual([compensationDispatch('b', 'rb')]);
      await run.complete('b.compensate', {});
      expect(run.state.status).toBe('cancelled');
      expect(run.statuses()).toEqual({ a: 'completed', b: 'compensated' });
    });

    it('cancels a run that has not started yet, cancelling every step', async () => {
      const run = new SagaRunDriver(workflow([undoable('a'), undoable('b')], { compensateOnCancel: true }));

      const cancelled = await run.cancel('never mind');

      expect(cancelled.commands).toEqual([lifecycle('cancelled')]);
      expect(historyTypes(cancelled.history)).toEqual(['StepCancelled:a', 'StepCancelled:b', 'RunCancelled']);
      expect(run.statuses()).toEqual({ a: 'cancelled', b: 'cancelled' });
      await expectIgnored(run, { type: 'RunStarted' }, 'run is already cancelled');
    });

    it('ignores a cancel request for a run that has ended or is compensating', async () => {
      const completed = new SagaRunDriver(workflow([task('a')]));
      await completed.start();
      await completed.complete('a', null);
      await expectIgnored(completed, { type: 'CancelRequested', reason: 'too late' }, 'run is completed');

      const compensating = new SagaRunDriver(workflow([undoable('a'), task('b')], { compensateOnCancel: true }));
      await compensating.start();
      await compensating.complete('a', { ref: 'ra' });
      await compensating.fail('b', 'boom', false);
      expect(compensating.state.status).toBe('compensating');
      await expectIgnored(compensating, { type: 'CancelRequested' }, 'run is compensating');
      expect(compensating.state.compensationReason).toBe('failed');

      await compensating.complete('a.compensate', null);
      expect(compensating.state.status).toBe('compensated');
      await expectIgnored(compensating, { type: 'CancelRequested', reason: 'again' }, 'run is compensated');
    });
  });

  it('never changes the state it is given while compensating', async () => {
    const run = await fiveStepRunWithThreeDone();
    await run.fail('s4', 'boom', false);
    const snapshot = structuredClone(run.state);

    const decision = await decide({
      definition: run.definition,
      graph: run.graph,
      state: run.state,
      event: { type: 'TaskCompleted', stepId: 's3.compensate', attempt: 1, output: null },
      now: at(9),
    });

    expect(run.state).toEqual(snapshot);
    expect(decision.state.steps.s3.status).toBe('compensated');
    expect(snapshot.steps.s3.status).toBe('completed');
  });
});

describe('a failure while a compensable branch is still running', () => {
  it('waits for the branch, compensates it when it completes, and only then ends compensated', async () => {
    const definition: WorkflowDefinition = {
      name: 'late-branch',
      steps: [
        { id: 'slow', type: 'task', taskType: 'slow', needs: [], compensate: { type: 'task', taskType: 'undo-slow' } },
        { id: 'doomed', type: 'task', taskType: 'doomed', needs: [], retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' } },
      ],
    };
    const run = new RunDriver(definition);
    await run.send({ type: 'RunStarted' });
    await run.send({ type: 'TaskFailed', stepId: 'doomed', attempt: 1, error: { message: 'boom', retryable: false } });
    expect(run.state.status).toBe('compensating');

    const late = await run.send({ type: 'TaskCompleted', stepId: 'slow', attempt: 1, output: {} });
    expect(late.commands).toContainEqual(
      expect.objectContaining({ type: 'DispatchTask', stepId: 'slow.compensate', taskType: 'undo-slow' }),
    );
    await run.send({ type: 'TaskCompleted', stepId: 'slow.compensate', attempt: 1, output: {} });
    expect(run.state.status).toBe('compensated');
    expect(run.state.steps.slow.status).toBe('compensated');
  });
});

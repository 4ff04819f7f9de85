import { buildStepGraph } from '@baton/dsl';
import type { WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { decide } from './decide';
import type { Decision } from './run-state';
import { at, DEFAULT_TASK_TIMEOUT_MS, expectIgnored, historyTypes, iso, newRun, RunDriver, T0, task, workflow } from './testing/run-driver';

/** The decision, without attempt-timer commands: those are the subject of timers.spec.ts. */
function withoutTimerCommands(decision: Decision): Decision {
  return { ...decision, commands: decision.commands.filter((c) => c.type !== 'ScheduleTimer' && c.type !== 'CancelTimer') };
}

function driverFor(definition: WorkflowDefinition, input: unknown = {}): RunDriver {
  return new RunDriver(definition, { input, view: withoutTimerCommands });
}

function dispatchOf(stepId: string, input: unknown, attempt = 1, now: Date = T0, timeoutMs = DEFAULT_TASK_TIMEOUT_MS) {
  return {
    type: 'DispatchTask',
    stepId,
    attempt,
    taskType: `${stepId}-worker`,
    input,
    deadline: iso(new Date(now.getTime() + timeoutMs)),
  };
}

describe('decide', () => {
  describe('ordering', () => {
    it('runs steps without needs one after another, in list order', async () => {
      const run = driverFor(
        workflow(
          [
            task('reserve', { input: { orderId: '${ input.orderId }' } }),
            {
              id: 'charge',
              type: 'http',
              with: {
                method: 'POST',
                url: 'http://payments.local/charge/${ steps.reserve.output.reservationId }',
                body: { amount: '${ input.total }' },
              },
            },
            { id: 'ship', type: 'publish', subject: 'baton.events.shipment.requested', data: { orderId: '${ input.orderId }' } },
          ],
          { output: { reservation: '${ steps.reserve.output.reservationId }', paid: '${ steps.charge.output.status }' } },
        ),
        { orderId: 'o-1', total: 120 },
      );

      const started = await run.start();
      expect(started.commands).toEqual([{ type: 'PublishLifecycle', status: 'running' }, dispatchOf('reserve', { orderId: 'o-1' })]);
      expect(historyTypes(started)).toEqual(['RunStarted', 'StepStarted:reserve']);
      expect(run.state.status).toBe('running');
      expect(run.state.startedAt).toBe(iso(T0));
      expect(run.statuses()).toEqual({ reserve: 'running', charge: 'pending', ship: 'pending' });
      expect(run.state.steps.reserve).toMatchObject({ attempts: 1, input: { orderId: 'o-1' }, startedAt: iso(T0) });

      const reserved = await run.complete('reserve', { reservationId: 'r-9' }, 1, at(2));
      expect(reserved.commands).toEqual([
        {
          type: 'DispatchTask',
          stepId: 'charge',
          attempt: 1,
          taskType: 'http',
          input: { method: 'POST', url: 'http://payments.local/charge/r-9', body: { amount: 120 }, timeoutMs: 30_000 },
          deadline: iso(at(32)),
        },
      ]);
      expect(run.state.steps.reserve).toMatchObject({
        status: 'completed',
        output: { reservationId: 'r-9' },
        endedAt: iso(at(2)),
      });

      const charged = await run.complete('charge', { status: 200 }, 1, at(3));
      expect(charged.commands).toEqual([
        {
          type: 'DispatchTask',
          stepId: 'ship',
          attempt: 1,
          taskType: 'publish',
          input: {
            subject: 'baton.events.shipment.requested',
            eventType: 'shipment.requested',
            source: 'baton/orders/run-1',
            data: { orderId: 'o-1' },
          },
          deadline: iso(at(33)),
        },
      ]);

      const shipped = await run.complete('ship', null, 1, at(4));
      expect(shipped.commands).toEqual([{ type: 'PublishLifecycle', status: 'completed' }]);
      expect(historyTypes(shipped)).toEqual(['StepCompleted:ship', 'RunCompleted']);
      expect(run.state).toMatchObject({
        status: 'completed',
        output: { reservation: 'r-9', paid: 200 },
        endedAt: iso(at(4)),
      });
      expect(run.statuses()).toEqual({ reserve: 'completed', charge: 'completed', ship: 'completed' });
    });

    it('starts both branches of a diamond together and joins them before the last step', async () => {
      const run = driverFor(
        workflow([
          task('a'),
          task('b', { needs: ['a'] }),
          task('c', { needs: ['a'] }),
          task('d', { needs: ['b', 'c'], input: { fromB: '${ steps.b.output }', fromC: '${ steps.c.output }' } }),
        ]),
      );

      expect((await run.start()).commands).toEqual([{ type: 'PublishLifecycle', status: 'running' }, dispatchOf('a', undefined)]);

      const afterA = await run.complete('a', 'A');
      expect(afterA.commands).toEqual([dispatchOf('b', undefined), dispatchOf('c', undefined)]);
      expect(run.statuses()).toEqual({ a: 'completed', b: 'running', c: 'running', d: 'pending' });

      const afterC = await run.complete('c', 'C');
      expect(afterC.commands).toEqual([]);
      expect(run.statuses()).toEqual({ a: 'completed', b: 'running', c: 'completed', d: 'pending' });

      const afterB = await run.complete('b', 'B');
      expect(afterB.commands).toEqual([dispatchOf('d', { fromB: 'B', fromC: 'C' })]);

      const done = await run.complete('d', 'D');
      expect(done.commands).toEqual([{ type: 'PublishLifecycle', status: 'completed' }]);
      expect(run.state.status).toBe('completed');
      expect(run.state.output).toBeUndefined();
    });

    it('completes a transform-only workflow within one decision, with its output', async () => {
      const run = driverFor(
        workflow(
          [
            { id: 'sum', type: 'transform', output: { total: '${ input.a + input.b }' } },
            { id: 'double', type: 'transform', output: '${ steps.sum.output.total * 2 }' },
          ],
          { output: { result: '${ steps.double.output }', at: '${ run.startedAt }' } },
        ),
        { a: 2, b: 3 },
      );

      const decision = await run.start();

      expect(decision.commands).toEqual([
        { type: 'PublishLifecycle', status: 'running' },
        { type: 'PublishLifecycle', status: 'completed' },
      ]);
      expect(historyTypes(decision)).toEqual([
        'RunStarted',
        'StepStarted:sum',
        'StepCompleted:sum',
        'StepStarted:double',
        'StepCompleted:double',
        'RunCompleted',
      ]);
      expect(decision.history.every((entry) => entry.at === iso(T0))).toBe(true);
      expect(run.state).toMatchObject({ status: 'completed', output: { result: 10, at: iso(T0) }, endedAt: iso(T0) });
      expect(run.state.steps.sum).toMatchObject({ status: 'completed', attempts: 1, output: { total: 5 } });
      expect(run.state.steps.double).toMatchObject({
        status: 'completed',
        attempts: 1,
        output: 10,
        startedAt: iso(T0),
        endedAt: iso(T0),
      });
    });
  });

  describe('retries', () => {
    it('retries a retryable failure after the fixed 1 s back-off, then succeeds on attempt 2', async () => {
      const run = driverFor(workflow([task('charge', { input: { amount: 5 } })]));
      await run.start();

      const failed = await run.fail('charge', 'gateway timeout', true, 1, at(10));
      expect(failed.commands).toEqual([{ type: 'ScheduleRetry', stepId: 'charge', attempt: 2, dueAt: iso(at(11)) }]);
      expect(failed.history).toEqual([
        {
          type: 'StepFailed',
          stepId: 'charge',
          attempt: 1,
          data: { message: 'gateway timeout', retryable: true },
          at: iso(at(10)),
        },
        {
          type: 'StepRetryScheduled',
          stepId: 'charge',
          attempt: 2,
          data: { dueAt: iso(at(11)) },
          at: iso(at(10)),
        },
      ]);
      expect(run.state.status).toBe('running');
      expect(run.state.steps.charge).toMatchObject({
        status: 'scheduled',
        attempts: 1,
        error: { message: 'gateway timeout', retryable: true },
      });

      const retried = await run.send({ type: 'RetryDue', stepId: 'charge', attempt: 2 }, at(11));
      expect(retried.commands).toEqual([dispatchOf('charge', { amount: 5 }, 2, at(11))]);
      expect(retried.history).toEqual([{ type: 'StepStarted', stepId: 'charge', attempt: 2, at: iso(at(11)) }]);
      expect(run.state.steps.charge).toMatchObject({ status: 'running', attempts: 2, startedAt: iso(T0) });

      const done = await run.complete('charge', { receipt: 'x' }, 2, at(12));
      expect(done.commands).toEqual([{ type: 'PublishLifecycle', status: 'completed' }]);
      expect(run.state.status).toBe('completed');
      expect(run.state.steps.charge).toMatchObject({ status: 'completed', attempts: 2, output: { receipt: 'x' } });
      expect(run.state.steps.charge.error).toBeUndefined();
    });

    it('fails the run once retries are exhausted, skipping what never started and cancelling pending retries', async () => {
      const run = driverFor(
        workflow([
          task('charge', { retry: { maxAttempts: 2, backoff: 'fixed', initialInterval: '1s' } }),
          task('notify', { needs: [] }),
          task('audit', { needs: [] }),
          task('ship', { needs: ['charge'] }),
        ]),
      );
      await run.start();
      expect(run.statuses()).toEqual({ charge: 'running', notify: 'running', audit: 'running', ship: 'pending' });

      await run.fail('audit', 'busy', true);
      await run.fail('charge', 'card declined', true, 1, at(1));
      await run.send({ type: 'RetryDue', stepId: 'charge', attempt: 2 }, at(2));

      const final = await run.fail('charge', 'card declined', true, 2, at(3));

      expect(final.commands).toEqual([{ type: 'PublishLifecycle', status: 'failed' }]);
      expect(historyTypes(final)).toEqual(['StepFailed:charge', 'StepCancelled:audit', 'StepSkipped:ship', 'RunFailed']);
      expect(run.state).toMatchObject({
        status: 'failed',
        error: { message: "step 'charge' failed: card declined", stepId: 'charge' },
        endedAt: iso(at(3)),
      });
      expect(run.state.steps.charge).toMatchObject({
        status: 'failed',
        attempts: 2,
        error: { message: 'card declined', retryable: true },
        endedAt: iso(at(3)),
      });
      expect(run.statuses()).toEqual({ charge: 'failed', notify: 'running', audit: 'cancelled', ship: 'skipped' });

      // The parallel branch still running and the cancelled retry are now moot.
      const lateResult = await run.complete('notify', 'sent');
      expect(lateResult.commands).toEqual([]);
      expect(run.statuses().notify).toBe('running');
      const lateRetry = await run.send({ type: 'RetryDue', stepId: 'audit', attempt: 2 });
      expect(lateRetry.commands).toEqual([]);
      expect(historyTypes(lateRetry)).toEqual(['StaleResultIgnored:audit']);
    });

    it('fails the run at once on a non-retryable error, whatever the retry policy allows', async () => {
      const run = driverFor(
        workflow([task('charge', { retry: { maxAttempts: 5, backoff: 'fixed', initialInterval: '1s' } }), task('ship')]),
      );
      await run.start();

      const decision = await run.fail('charge', 'card stolen', false);

      expect(decision.commands).toEqual([{ type: 'PublishLifecycle', status: 'failed' }]);
      expect(decision.history).toEqual([
        { type: 'StepFailed', stepId: 'charge', attempt: 1, data: { message: 'card stolen', retryable: false }, at: iso(T0) },
        { type: 'StepSkipped', stepId: 'ship', at: iso(T0) },
        {
          type: 'RunFailed',
          data: { message: "step 'charge' failed: card stolen", stepId: 'charge' },
          at: iso(T0),
        },
      ]);
      expect(run.state.steps.charge).toMatchObject({ status: 'failed', attempts: 1 });
      expect(run.statuses()).toEqual({ charge: 'failed', ship: 'skipped' });
    });
  });

  describe('results that no longer apply', () => {
    it('ignores a duplicate result, a result for an earlier attempt and a result for an unknown step', async () => {
      const run = driverFor(workflow([task('a'), task('b')]));
      await run.start();
      await run.complete('a', 'first');

      await expectIgnored(run, { type: 'TaskCompleted', stepId: 'a', attempt: 1, output: 'again' }, 'step is completed');
      expect(run.state.steps.a.output).toBe('first');

      await run.fail('b', 'flaky', true);
      await run.send({ type: 'RetryDue', stepId: 'b', attempt: 2 });
      await expectIgnored(
        run,
        { type: 'TaskFailed', stepId: 'b', attempt: 1, error: { message: 'late', retryable: false } },
        'attempt 1 is not the current attempt 2',
      );
      await expectIgnored(run, { type: 'TaskCompleted', stepId: 'nope', attempt: 1, output: 1 }, 'unknown step');
      await expectIgnored(run, { type: 'RunStarted' }, 'run is already running');

      await run.complete('b', 'second', 2);
      expect(run.state.status).toBe('completed');
      await expectIgnored(run, { type: 'TaskCompleted', stepId: 'b', attempt: 2, output: 'dup' }, 'run is completed');
    });

    it('ignores a retry timer for any attempt but the one the step is waiting for', async () => {
      const run = driverFor(workflow([task('a')]));
      await run.start();
      await run.fail('a', 'flaky', true);

      await expectIgnored(run, { type: 'RetryDue', stepId: 'a', attempt: 3 }, 'attempt 3 is not the next attempt 2');
      await expectIgnored(run, { type: 'RetryDue', stepId: 'a', attempt: 1 }, 'attempt 1 is not the next attempt 2');

      await run.send({ type: 'RetryDue', stepId: 'a', attempt: 2 });
      // The same timer delivered twice must not start attempt 3.
      await expectIgnored(run, { type: 'RetryDue', stepId: 'a', attempt: 2 }, 'step is running');
      expect(run.state.steps.a.attempts).toBe(2);
    });
  });

  describe('expression errors', () => {
    it('fails the step without retry and fails the run when a template cannot be evaluated', async () => {
      const run = driverFor(
        workflow([
          task('a'),
          {
            id: 'call',
            type: 'http',
            with: { method: 'GET', url: 'http://svc.local/${ $number(steps.a.output) }' },
          },
          task('after'),
        ]),
      );
      await run.start();

      const decision = await run.complete('a', 'not a number');

      expect(decision.commands).toEqual([{ type: 'PublishLifecycle', status: 'failed' }]);
      expect(historyTypes(decision)).toEqual(['StepCompleted:a', 'StepFailed:call', 'StepSkipped:after', 'RunFailed']);
      const callError = run.state.steps.call.error;
      expect(callError?.retryable).toBe(false);
      expect(callError?.message).toContain("expression '$number(steps.a.output)' failed");
      expect(run.state.steps.call).toMatchObject({ status: 'failed', attempts: 1, endedAt: iso(T0) });
      expect(run.state).toMatchObject({
        status: 'failed',
        error: { message: `step 'call' failed: ${callError?.message}`, stepId: 'call' },
      });
    });

    it('fails an http step whose url does not evaluate to a string', async () => {
      const run = driverFor(workflow([{ id: 'call', type: 'http', with: { method: 'GET', url: '${ input.port }' } }]), {
        port: 8080,
      });

      const decision = await run.start();

      expect(decision.commands).toEqual([
        { type: 'PublishLifecycle', status: 'running' },
        { type: 'PublishLifecycle', status: 'failed' },
      ]);
      expect(run.state.error).toEqual({
        message: "step 'call' failed: url must evaluate to a string, got number",
        stepId: 'call',
      });
    });

    it('fails the run when the workflow output cannot be evaluated', async () => {
      const run = driverFor(workflow([task('a')], { output: '${ $number(steps.a.output) }' }));
      await run.start();

      const decision = await run.complete('a', 'abc');

      expect(decision.commands).toEqual([{ type: 'PublishLifecycle', status: 'failed' }]);
      expect(historyTypes(decision)).toEqual(['StepCompleted:a', 'RunFailed']);
      expect(run.state.status).toBe('failed');
      expect(run.state.error?.message).toMatch(/^workflow output failed: expression '\$number\(steps\.a\.output\)' failed/);
      expect(run.state.error?.stepId).toBeUndefined();
      expect(run.state.steps.a.status).toBe('completed');
    });
  });

  it('never changes the state it is given', async () => {
    const definition = workflow([task('a', { input: { x: '${ input.x }' } }), task('b', { needs: [] })]);
    const graph = buildStepGraph(definition);
    const pending = newRun(definition, { x: 1 });
    const snapshot = structuredClone(pending);

    const started = await decide({ definition, graph, state: pending, event: { type: 'RunStarted' }, now: T0 });
    expect(pending).toEqual(snapshot);
    expect(started.state).not.toBe(pending);

    const running = structuredClone(started.state);
    await decide({
      definition,
      graph,
      state: started.state,
      event: { type: 'TaskFailed', stepId: 'a', attempt: 1, error: { message: 'no', retryable: false } },
      now: T0,
    });
    expect(started.state).toEqual(running);
  });
});

import { buildStepGraph } from '@baton/dsl';
import type { StepDefinition, StepGraph, TaskStepDefinition, WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { decide } from './decide';
import type { Decision, RunEvent, RunState } from './run-state';

const T0 = new Date('2026-03-01T10:00:00.000Z');

function secondsAfterStart(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

function iso(date: Date): string {
  return date.toISOString();
}

function workflow(steps: StepDefinition[], extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return { name: 'orders', steps, ...extra };
}

/** A run as the coordinator creates it: pending, with one pending step state per step. */
function newRun(definition: WorkflowDefinition, input: unknown = {}): RunState {
  const steps = Object.fromEntries(
    definition.steps.map((step) => [step.id, { id: step.id, type: step.type, status: 'pending' as const, attempts: 0 }]),
  );
  return {
    id: 'run-1',
    workflow: definition.name,
    version: 1,
    status: 'pending',
    input,
    trigger: { kind: 'api' },
    createdAt: iso(T0),
    steps,
  };
}

/** Drives a run through `decide` the way the coordinator does: each decision's state feeds the next. */
class RunDriver {
  readonly graph: StepGraph;
  state: RunState;

  constructor(
    readonly definition: WorkflowDefinition,
    input: unknown = {},
  ) {
    this.graph = buildStepGraph(definition);
    this.state = newRun(definition, input);
  }

  /** The decision, without attempt-timer commands: those are the subject of timers.spec.ts. */
  async send(event: RunEvent, now: Date = T0): Promise<Decision> {
    const decision = await decide({ definition: this.definition, graph: this.graph, state: this.state, event, now });
    this.state = decision.state;
    return { ...decision, commands: decision.commands.filter((c) => c.type !== 'ScheduleTimer' && c.type !== 'CancelTimer') };
  }

  start(now: Date = T0): Promise<Decision> {
    return this.send({ type: 'RunStarted' }, now);
  }

  complete(stepId: string, output: unknown, attempt = 1, now: Date = T0): Promise<Decision> {
    return this.send({ type: 'TaskCompleted', stepId, attempt, output }, now);
  }

  fail(stepId: string, message: string, retryable: boolean, attempt = 1, now: Date = T0): Promise<Decision> {
    return this.send({ type: 'TaskFailed', stepId, attempt, error: { message, retryable } }, now);
  }

  statuses(): Record<string, string> {
    return Object.fromEntries(Object.values(this.state.steps).map((step) => [step.id, step.status]));
  }
}

function task(id: string, extra: Partial<Pick<TaskStepDefinition, 'needs' | 'retry' | 'timeout' | 'input'>> = {}): StepDefinition {
  return { id, type: 'task', taskType: `${id}-worker`, ...extra };
}

function dispatchOf(stepId: string, input: unknown, attempt = 1, now: Date = T0, timeoutMs = 5 * 60_000) {
  return {
    type: 'DispatchTask',
    stepId,
    attempt,
    taskType: `${stepId}-worker`,
    input,
    deadline: iso(new Date(now.getTime() + timeoutMs)),
  };
}

function historyTypes(decision: Decision): string[] {
  return decision.history.map((entry) => (entry.stepId === undefined ? entry.type : `${entry.type}:${entry.stepId}`));
}

describe('decide', () => {
  describe('ordering', () => {
    it('runs steps without needs one after another, in list order', async () => {
      const run = new RunDriver(
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

      const reserved = await run.complete('reserve', { reservationId: 'r-9' }, 1, secondsAfterStart(2));
      expect(reserved.commands).toEqual([
        {
          type: 'DispatchTask',
          stepId: 'charge',
          attempt: 1,
          taskType: 'http',
          input: { method: 'POST', url: 'http://payments.local/charge/r-9', body: { amount: 120 }, timeoutMs: 30_000 },
          deadline: iso(secondsAfterStart(32)),
        },
      ]);
      expect(run.state.steps.reserve).toMatchObject({
        status: 'completed',
        output: { reservationId: 'r-9' },
        endedAt: iso(secondsAfterStart(2)),
      });

      const charged = await run.complete('charge', { status: 200 }, 1, secondsAfterStart(3));
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
          deadline: iso(secondsAfterStart(33)),
        },
      ]);

      const shipped = await run.complete('ship', null, 1, secondsAfterStart(4));
      expect(shipped.commands).toEqual([{ type: 'PublishLifecycle', status: 'completed' }]);
      expect(historyTypes(shipped)).toEqual(['StepCompleted:ship', 'RunCompleted']);
      expect(run.state).toMatchObject({
        status: 'completed',
        output: { reservation: 'r-9', paid: 200 },
        endedAt: iso(secondsAfterStart(4)),
      });
      expect(run.statuses()).toEqual({ reserve: 'completed', charge: 'completed', ship: 'completed' });
    });

    it('starts both branches of a diamond together and joins them before the last step', async () => {
      const run = new RunDriver(
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
      const run = new RunDriver(
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
      const run = new RunDriver(workflow([task('charge', { input: { amount: 5 } })]));
      await run.start();

      const failed = await run.fail('charge', 'gateway timeout', true, 1, secondsAfterStart(10));
      expect(failed.commands).toEqual([{ type: 'ScheduleRetry', stepId: 'charge', attempt: 2, dueAt: iso(secondsAfterStart(11)) }]);
      expect(failed.history).toEqual([
        {
          type: 'StepFailed',
          stepId: 'charge',
          attempt: 1,
          data: { message: 'gateway timeout', retryable: true },
          at: iso(secondsAfterStart(10)),
        },
        {
          type: 'StepRetryScheduled',
          stepId: 'charge',
          attempt: 2,
          data: { dueAt: iso(secondsAfterStart(11)) },
          at: iso(secondsAfterStart(10)),
        },
      ]);
      expect(run.state.status).toBe('running');
      expect(run.state.steps.charge).toMatchObject({
        status: 'scheduled',
        attempts: 1,
        error: { message: 'gateway timeout', retryable: true },
      });

      const retried = await run.send({ type: 'RetryDue', stepId: 'charge', attempt: 2 }, secondsAfterStart(11));
      expect(retried.commands).toEqual([dispatchOf('charge', { amount: 5 }, 2, secondsAfterStart(11))]);
      expect(retried.history).toEqual([{ type: 'StepStarted', stepId: 'charge', attempt: 2, at: iso(secondsAfterStart(11)) }]);
      expect(run.state.steps.charge).toMatchObject({ status: 'running', attempts: 2, startedAt: iso(T0) });

      const done = await run.complete('charge', { receipt: 'x' }, 2, secondsAfterStart(12));
      expect(done.commands).toEqual([{ type: 'PublishLifecycle', status: 'completed' }]);
      expect(run.state.status).toBe('completed');
      expect(run.state.steps.charge).toMatchObject({ status: 'completed', attempts: 2, output: { receipt: 'x' } });
      expect(run.state.steps.charge.error).toBeUndefined();
    });

    it('fails the run once retries are exhausted, skipping what never started and cancelling pending retries', async () => {
      const run = new RunDriver(
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
      await run.fail('charge', 'card declined', true, 1, secondsAfterStart(1));
      await run.send({ type: 'RetryDue', stepId: 'charge', attempt: 2 }, secondsAfterStart(2));

      const final = await run.fail('charge', 'card declined', true, 2, secondsAfterStart(3));

      expect(final.commands).toEqual([{ type: 'PublishLifecycle', status: 'failed' }]);
      expect(historyTypes(final)).toEqual(['StepFailed:charge', 'StepCancelled:audit', 'StepSkipped:ship', 'RunFailed']);
      expect(run.state).toMatchObject({
        status: 'failed',
        error: { message: "step 'charge' failed: card declined", stepId: 'charge' },
        endedAt: iso(secondsAfterStart(3)),
      });
      expect(run.state.steps.charge).toMatchObject({
        status: 'failed',
        attempts: 2,
        error: { message: 'card declined', retryable: true },
        endedAt: iso(secondsAfterStart(3)),
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
      const run = new RunDriver(
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
    async function expectIgnored(run: RunDriver, event: RunEvent, reason: string): Promise<void> {
      const before = structuredClone(run.state);
      const decision = await run.send(event);
      expect(decision.state).toEqual(before);
      expect(decision.commands).toEqual([]);
      expect(decision.history).toEqual([
        {
          type: 'StaleResultIgnored',
          ...('stepId' in event ? { stepId: event.stepId, attempt: event.attempt } : {}),
          data: { event: event.type, reason },
          at: iso(T0),
        },
      ]);
    }

    it('ignores a duplicate result, a result for an earlier attempt and a result for an unknown step', async () => {
      const run = new RunDriver(workflow([task('a'), task('b')]));
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
      const run = new RunDriver(workflow([task('a')]));
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
      const run = new RunDriver(
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
      const run = new RunDriver(workflow([{ id: 'call', type: 'http', with: { method: 'GET', url: '${ input.port }' } }]), {
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
      const run = new RunDriver(workflow([task('a')], { output: '${ $number(steps.a.output) }' }));
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

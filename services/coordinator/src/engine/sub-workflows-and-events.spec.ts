import { RunIds, type CloudEvent, type ParentTrigger } from '@baton/contracts';
import type { StepDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import type { EngineCommand } from './run-state';
import { at, iso, RunDriver, task, workflow, withoutAttemptTimers } from './testing/run-driver';

const ofType = <T extends EngineCommand['type']>(commands: EngineCommand[], type: T) =>
  commands.filter((c): c is Extract<EngineCommand, { type: T }> => c.type === type);

describe('subWorkflow', () => {
  const kyc = (extra: Partial<StepDefinition> = {}): StepDefinition =>
    ({
      id: 'kyc',
      type: 'subWorkflow',
      workflow: 'identity-check',
      input: { customer: '${ input.customer }' },
      ...extra,
    }) as StepDefinition;
  const definition = (extra: Partial<StepDefinition> = {}) =>
    workflow([kyc(extra), { id: 'welcome', type: 'transform', output: { verified: '${ steps.kyc.output.verified }' } }], {
      output: '${ steps.welcome.output }',
    });

  it('starts one child run per attempt, with an id derived from it, and completes with its output', async () => {
    const run = new RunDriver(definition(), { input: { customer: 'c-7' } });
    const started = await run.start();
    const childRunId = RunIds.forChild('run-1', 'kyc', 1);
    expect(ofType(started.commands, 'StartChildRun')).toEqual([
      {
        type: 'StartChildRun',
        runId: childRunId,
        workflow: 'identity-check',
        input: { customer: 'c-7' },
        trigger: { kind: 'workflow', parentRunId: 'run-1', parentStepId: 'kyc', attempt: 1, depth: 1 },
      },
    ]);
    expect(run.state.steps.kyc).toMatchObject({ status: 'running', childRunId, input: { customer: 'c-7' } });

    const done = await run.complete('kyc', { verified: true });
    expect(run.state).toMatchObject({ status: 'completed', output: { verified: true } });
    expect(ofType(done.commands, 'CancelChildRun')).toEqual([]);
  });

  it('fails with the child failure, and does not cancel a child that ended by itself', async () => {
    const run = new RunDriver(definition());
    await run.start();
    const failed = await run.send({
      type: 'TaskFailed',
      stepId: 'kyc',
      attempt: 1,
      error: { message: 'child run x (identity-check) ended failed: …', retryable: false, code: 'subWorkflow.failed' },
    });
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'kyc' } });
    expect(run.state.steps.kyc.error?.code).toBe('subWorkflow.failed');
    expect(ofType(failed.commands, 'CancelChildRun')).toEqual([]);
  });

  it('cancels the child when the parent is cancelled', async () => {
    const run = new RunDriver(definition());
    await run.start();
    const cancelled = await run.send({ type: 'CancelRequested', reason: 'customer left' });
    expect(run.state.steps.kyc.status).toBe('cancelled');
    expect(ofType(cancelled.commands, 'CancelChildRun')).toEqual([
      expect.objectContaining({ runId: RunIds.forChild('run-1', 'kyc', 1), reason: expect.stringContaining("step 'kyc' is cancelled") }),
    ]);
  });

  it('times an attempt out, cancels its child and starts a new child for the retry', async () => {
    const run = new RunDriver(definition({ timeout: '1m', retry: { maxAttempts: 2, backoff: 'fixed', initialInterval: '5s' } }));
    const started = await run.start();
    expect(ofType(started.commands, 'ScheduleTimer')).toEqual([expect.objectContaining({ stepId: 'kyc', dueAt: iso(at(60)) })]);

    const timedOut = await run.send({ type: 'TimerDue', stepId: 'kyc', attempt: 1 }, at(60));
    expect(run.state.steps.kyc.status).toBe('scheduled');
    expect(ofType(timedOut.commands, 'CancelChildRun').map((c) => c.runId)).toEqual([RunIds.forChild('run-1', 'kyc', 1)]);

    const retried = await run.send({ type: 'RetryDue', stepId: 'kyc', attempt: 2 }, at(65));
    expect(ofType(retried.commands, 'StartChildRun').map((c) => c.runId)).toEqual([RunIds.forChild('run-1', 'kyc', 2)]);
  });

  it('refuses to nest deeper than the limit', async () => {
    const trigger: ParentTrigger = { kind: 'workflow', parentRunId: 'p', parentStepId: 's', attempt: 1, depth: 10 };
    const run = new RunDriver(definition(), { trigger });
    const started = await run.start();
    expect(ofType(started.commands, 'StartChildRun')).toEqual([]);
    expect(run.state.steps.kyc.error).toMatchObject({ code: 'subWorkflow.depth', message: expect.stringContaining('at most 10 deep') });
    expect(run.state.status).toBe('failed');
  });

  describe('a child run reports its end to its parent', () => {
    const parent: ParentTrigger = { kind: 'workflow', parentRunId: 'parent-1', parentStepId: 'kyc', attempt: 2, depth: 1 };
    const child = () => new RunDriver(workflow([task('check')], { output: '${ steps.check.output }' }), { trigger: parent });

    it('with its output when it completes', async () => {
      const run = child();
      await run.start();
      const done = await run.complete('check', { verified: true });
      expect(ofType(done.commands, 'ReportToParent')).toEqual([
        { type: 'ReportToParent', parent, outcome: { output: { verified: true } } },
      ]);
    });

    it('with a coded error when it fails or is cancelled', async () => {
      const failing = child();
      await failing.start();
      const failed = await failing.fail('check', 'registry down', false);
      expect(ofType(failed.commands, 'ReportToParent')[0].outcome).toEqual({
        error: {
          message: "child run run-1 (orders) ended failed: step 'check' failed: registry down",
          code: 'subWorkflow.failed',
          retryable: false,
        },
      });

      const cancelled = child();
      await cancelled.start();
      const decision = await cancelled.send({ type: 'CancelRequested' });
      expect(ofType(decision.commands, 'ReportToParent')[0].outcome).toMatchObject({
        error: { code: 'subWorkflow.cancelled', retryable: false },
      });
    });

    it('only once, when it ends', async () => {
      const run = child();
      const started = await run.start();
      expect(ofType(started.commands, 'ReportToParent')).toEqual([]);
    });
  });
});

describe('waitForEvent', () => {
  const paid = (extra: Partial<StepDefinition> = {}): StepDefinition =>
    ({
      id: 'paid',
      type: 'waitForEvent',
      event: 'payment.captured',
      match: 'event.data.orderId = input.orderId',
      ...extra,
    }) as StepDefinition;
  const event = (orderId: string, type = 'payment.captured'): CloudEvent => ({
    specversion: '1.0',
    id: `evt-${orderId}`,
    source: 'payments',
    type,
    data: { orderId, amount: 42 },
  });
  const definition = (extra: Partial<StepDefinition> = {}, more: StepDefinition[] = []) =>
    workflow([paid(extra), { id: 'ship', type: 'transform', output: { amount: '${ steps.paid.output.data.amount }' } }, ...more], {
      output: '${ steps.ship.output }',
    });

  it('waits for its event type, with a deadline when it has a timeout', async () => {
    const run = new RunDriver(definition({ timeout: '1h' }), { input: { orderId: 'o-1' } });
    const started = await run.start();
    expect(run.state.steps.paid.status).toBe('waiting');
    expect(ofType(started.commands, 'AwaitEvent')).toEqual([
      { type: 'AwaitEvent', stepId: 'paid', attempt: 1, eventType: 'payment.captured' },
    ]);
    expect(ofType(started.commands, 'ScheduleTimer')).toEqual([expect.objectContaining({ stepId: 'paid', dueAt: iso(at(3600)) })]);
    expect(started.history).toContainEqual(
      expect.objectContaining({ type: 'StepWaiting', stepId: 'paid', data: { until: iso(at(3600)), event: 'payment.captured' } }),
    );
  });

  it('ignores, without a trace, events that do not match or are of another type', async () => {
    const run = new RunDriver(definition(), { input: { orderId: 'o-1' } });
    await run.start();
    const before = run.state;
    for (const other of [event('o-2'), event('o-1', 'payment.refunded')]) {
      const decision = await run.send({ type: 'EventReceived', stepId: 'paid', attempt: 1, event: other });
      expect(decision).toEqual({ state: before, commands: [], history: [] });
    }
  });

  it('completes with the matching event as output and stops waiting', async () => {
    const run = new RunDriver(definition({ timeout: '1h' }), { input: { orderId: 'o-1' }, view: withoutAttemptTimers });
    await run.start();
    const matched = await run.send({ type: 'EventReceived', stepId: 'paid', attempt: 1, event: event('o-1') }, at(30));
    expect(run.state.steps.paid).toMatchObject({ status: 'completed', output: event('o-1') });
    expect(run.state).toMatchObject({ status: 'completed', output: { amount: 42 } });
    expect(ofType(matched.commands, 'StopAwaitingEvent')).toEqual([{ type: 'StopAwaitingEvent', stepId: 'paid' }]);
  });

  it('takes any event of its type without a match', async () => {
    const run = new RunDriver(definition({ match: undefined }), { input: { orderId: 'o-1' } });
    await run.start();
    await run.send({ type: 'EventReceived', stepId: 'paid', attempt: 1, event: event('o-9') });
    expect(run.state.steps.paid.status).toBe('completed');
  });

  it('fails with code timeout when nothing matched in time, which a catch can route', async () => {
    const run = new RunDriver(definition({ timeout: '1h' }), { input: { orderId: 'o-1' } });
    await run.start();
    const timedOut = await run.send({ type: 'TimerDue', stepId: 'paid', attempt: 1 }, at(3600));
    expect(run.state.steps.paid.error).toEqual({
      message: "no 'payment.captured' event matched within 1h",
      retryable: false,
      code: 'timeout',
    });
    expect(run.state.status).toBe('failed');
    expect(ofType(timedOut.commands, 'StopAwaitingEvent')).toHaveLength(1);

    const caught = new RunDriver(
      definition({ timeout: '1h', catch: [{ errors: ['timeout'], next: 'remind' }] } as Partial<StepDefinition>, [
        { id: 'remind', type: 'succeed', output: { reminded: true } } as StepDefinition,
      ]),
      { input: { orderId: 'o-1' } },
    );
    await caught.start();
    await caught.send({ type: 'TimerDue', stepId: 'paid', attempt: 1 }, at(3600));
    expect(caught.state).toMatchObject({ status: 'completed', output: { reminded: true } });
  });
});

describe('parallel failure modes', () => {
  const once = { retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' } } as const;
  const parallel = (extra: Record<string, unknown>, more: StepDefinition[] = []) =>
    workflow([
      {
        id: 'checks',
        type: 'parallel',
        branches: [{ steps: [task('credit', once), task('after-credit', once)] }, { steps: [task('fraud', once)] }],
        ...extra,
      } as StepDefinition,
      task('decide', once),
      ...more,
    ]);

  it('waitAll lets the other branches finish, then fails the step naming every branch failure', async () => {
    const run = new RunDriver(parallel({ mode: 'waitAll' }), { view: withoutAttemptTimers });
    await run.start();
    await run.fail('credit', 'bureau down', false);
    expect(run.state.status).toBe('running');
    expect(run.statuses()).toMatchObject({ checks: 'running', credit: 'failed', 'after-credit': 'pending', fraud: 'running' });

    await run.fail('fraud', 'score too high', false);
    expect(run.state.steps.checks).toMatchObject({
      status: 'failed',
      error: { message: "step 'credit' failed: bureau down; step 'fraud' failed: score too high" },
    });
    expect(run.statuses()).toMatchObject({ 'after-credit': 'skipped', decide: 'skipped' });
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'checks' } });
  });

  it('waitAll completes normally when every branch succeeds', async () => {
    const run = new RunDriver(parallel({ mode: 'waitAll' }), { view: withoutAttemptTimers });
    await run.start();
    await run.complete('fraud', { score: 3 });
    await run.complete('credit', { ok: true });
    await run.complete('after-credit', { limit: 100 });
    expect(run.state.steps.checks).toMatchObject({ status: 'completed', output: [{ limit: 100 }, { score: 3 }] });
  });

  it("failFast fails the step at once, calling off what has not started; the step's catch can route it", async () => {
    const run = new RunDriver(parallel({ catch: [{ next: 'manual' }] }, [task('manual', once)]), { view: withoutAttemptTimers });
    await run.start();
    await run.fail('credit', 'bureau down', false);
    expect(run.statuses()).toMatchObject({ checks: 'failed', 'after-credit': 'skipped', fraud: 'running', manual: 'running' });
    expect(run.state.status).toBe('running');
    // The straggler's result is recorded; nothing in the failed container moves again.
    await run.complete('fraud', { score: 3 });
    await run.complete('manual', { reviewed: true });
    expect(run.statuses()).toMatchObject({ fraud: 'completed', decide: 'skipped' });
    expect(run.state.status).toBe('completed');
  });

  it('a failure inside a switch inside a waitAll branch fails the switch, then the parallel', async () => {
    const run = new RunDriver(
      workflow([
        {
          id: 'checks',
          type: 'parallel',
          mode: 'waitAll',
          branches: [
            { steps: [{ id: 'route', type: 'switch', cases: [{ when: 'true', steps: [task('inner', once)] }] } as StepDefinition] },
            { steps: [task('other', once)] },
          ],
        } as StepDefinition,
      ]),
      { view: withoutAttemptTimers },
    );
    await run.start();
    await run.fail('inner', 'nope', false);
    expect(run.statuses()).toMatchObject({ route: 'failed', checks: 'running' });
    await run.complete('other', {});
    expect(run.state.steps.checks.error?.message).toBe("step 'route' failed: step 'inner' failed: nope");
    expect(run.state.status).toBe('failed');
  });
});

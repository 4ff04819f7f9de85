import type { StepDefinition, WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import type { Decision, SignalPayload } from './run-state';
import { at, expectIgnored, historyTypes, iso, lifecycle, RunDriver, T0, withoutAttemptTimers, workflow } from './testing/run-driver';

/** Adds timer and signal events, and leaves attempt timers out of what `send` returns. */
class WaitingRunDriver extends RunDriver {
  constructor(definition: WorkflowDefinition, input: unknown = {}) {
    super(definition, { input, view: withoutAttemptTimers });
  }

  timer(stepId: string, attempt = 1, now: Date = T0): Promise<Decision> {
    return this.send({ type: 'TimerDue', stepId, attempt }, now);
  }

  signal(name: string, payload: SignalPayload, now: Date = T0): Promise<Decision> {
    return this.send({ type: 'SignalReceived', name, payload }, now);
  }
}

/** A publish step: dispatched to the executor, with no attempt deadline of its own. */
function notify(id: string, data: unknown = undefined, needs?: string[]): StepDefinition {
  return { id, type: 'publish', subject: `baton.events.${id}`, ...(data === undefined ? {} : { data }), ...(needs ? { needs } : {}) };
}

function notifyDispatch(id: string, data: unknown = undefined, now: Date = T0) {
  return {
    type: 'DispatchTask',
    stepId: id,
    attempt: 1,
    taskType: 'publish',
    input: { subject: `baton.events.${id}`, eventType: id, source: 'baton/orders/run-1', ...(data === undefined ? {} : { data }) },
    deadline: iso(new Date(now.getTime() + 30_000)),
  };
}

describe('waits and signals', () => {
  describe('delay', () => {
    it('waits for a durable timer set at now + duration, then completes and moves on', async () => {
      const run = new WaitingRunDriver(
        workflow([{ id: 'prep', type: 'transform', output: 1 }, { id: 'cool-off', type: 'delay', duration: '1m30s' }, notify('remind')]),
      );

      const started = await run.start(at(5));
      expect(started.commands).toEqual([
        lifecycle('running'),
        { type: 'ScheduleTimer', stepId: 'cool-off', attempt: 1, dueAt: iso(at(95)) },
      ]);
      expect(started.history).toEqual([
        { type: 'RunStarted', at: iso(at(5)) },
        { type: 'StepStarted', stepId: 'prep', attempt: 1, at: iso(at(5)) },
        { type: 'StepCompleted', stepId: 'prep', attempt: 1, at: iso(at(5)) },
        { type: 'StepStarted', stepId: 'cool-off', attempt: 1, at: iso(at(5)) },
        { type: 'StepWaiting', stepId: 'cool-off', attempt: 1, data: { until: iso(at(95)) }, at: iso(at(5)) },
      ]);
      expect(run.state.status).toBe('running');
      expect(run.state.steps['cool-off']).toMatchObject({ status: 'waiting', attempts: 1, startedAt: iso(at(5)) });
      expect(run.state.steps['cool-off'].endedAt).toBeUndefined();
      expect(run.statuses()).toEqual({ prep: 'completed', 'cool-off': 'waiting', remind: 'pending' });

      const due = await run.timer('cool-off', 1, at(96));
      expect(due.commands).toEqual([notifyDispatch('remind', undefined, at(96))]);
      expect(historyTypes(due)).toEqual(['StepCompleted:cool-off', 'StepStarted:remind']);
      expect(run.state.steps['cool-off']).toMatchObject({
        status: 'completed',
        attempts: 1,
        output: { waitedUntil: iso(at(96)) },
        endedAt: iso(at(96)),
      });

      const done = await run.complete('remind', null, 1, at(97));
      expect(done.commands).toEqual([lifecycle('completed')]);
      expect(run.state.status).toBe('completed');
    });

    it('ignores a timer for another attempt, a repeated timer and a timer for a step that is not waiting', async () => {
      const run = new WaitingRunDriver(workflow([{ id: 'wait', type: 'delay', duration: '10s' }, notify('after')]));
      await run.start();

      await expectIgnored(run, { type: 'TimerDue', stepId: 'wait', attempt: 2 }, 'attempt 2 is not the waiting attempt 1');
      await expectIgnored(run, { type: 'TimerDue', stepId: 'after', attempt: 1 }, 'step is pending');
      await expectIgnored(run, { type: 'TimerDue', stepId: 'ghost', attempt: 1 }, 'unknown step');

      await run.timer('wait', 1, at(10));
      await expectIgnored(run, { type: 'TimerDue', stepId: 'wait', attempt: 1 }, 'step is completed', at(11));
      expect(run.state.steps.wait.output).toEqual({ waitedUntil: iso(at(10)) });
    });

    it('waits until the instant an until template gives', async () => {
      const run = new WaitingRunDriver(
        workflow([
          { id: 'plan', type: 'transform', output: { shipAt: '${ input.shipAt }' } },
          { id: 'wait', type: 'delay', until: '${ steps.plan.output.shipAt }' },
        ]),
        { shipAt: '2026-03-02T08:30:00+01:00' },
      );

      const started = await run.start();

      expect(started.commands).toEqual([
        lifecycle('running'),
        { type: 'ScheduleTimer', stepId: 'wait', attempt: 1, dueAt: '2026-03-02T07:30:00.000Z' },
      ]);
      expect(run.state.steps.wait).toMatchObject({ status: 'waiting', attempts: 1 });
      expect(started.history.at(-1)).toEqual({
        type: 'StepWaiting',
        stepId: 'wait',
        attempt: 1,
        data: { until: '2026-03-02T07:30:00.000Z' },
        at: iso(T0),
      });
    });

    it.each([
      [
        'a text that is not an instant',
        'next tuesday',
        'until must give an ISO-8601 instant with a zone (e.g. 2026-03-01T10:00:00Z), got "next tuesday"',
      ],
      ['a number', 1772359200000, 'until must give an ISO-8601 instant with a zone (e.g. 2026-03-01T10:00:00Z), got 1772359200000'],
      ['nothing', undefined, 'until must give an ISO-8601 instant with a zone (e.g. 2026-03-01T10:00:00Z), got undefined'],
      // Without a zone the instant would depend on the host's time zone.
      [
        'a local time',
        '2026-03-02T08:30:00',
        'until must give an ISO-8601 instant with a zone (e.g. 2026-03-01T10:00:00Z), got "2026-03-02T08:30:00"',
      ],
    ])('fails the step without retry when until gives %s', async (_, shipAt, message) => {
      const run = new WaitingRunDriver(
        workflow([
          { id: 'wait', type: 'delay', until: '${ input.shipAt }', retry: { maxAttempts: 5, backoff: 'fixed', initialInterval: '1s' } },
          notify('after'),
        ]),
        { shipAt },
      );

      const started = await run.start();

      expect(started.commands).toEqual([lifecycle('running'), lifecycle('failed')]);
      expect(historyTypes(started)).toEqual(['RunStarted', 'StepFailed:wait', 'StepSkipped:after', 'RunFailed']);
      expect(run.state.steps.wait).toMatchObject({ status: 'failed', attempts: 1, error: { message, retryable: false } });
      expect(run.state).toMatchObject({ status: 'failed', error: { message: `step 'wait' failed: ${message}`, stepId: 'wait' } });
    });

    it('is cancelled with its run, and its timer then changes nothing', async () => {
      const run = new WaitingRunDriver(workflow([{ id: 'wait', type: 'delay', duration: '1h' }, notify('after')]));
      await run.start();

      const cancelled = await run.send({ type: 'CancelRequested', reason: 'stop' }, at(60));
      expect(cancelled.commands).toEqual([lifecycle('cancelled')]);
      expect(historyTypes(cancelled)).toEqual(['StepCancelled:wait', 'StepCancelled:after', 'RunCancelled']);
      expect(run.state.steps.wait).toMatchObject({ status: 'cancelled', endedAt: iso(at(60)) });

      await expectIgnored(run, { type: 'TimerDue', stepId: 'wait', attempt: 1 }, 'run is cancelled', at(3600));
    });
  });

  describe('approval', () => {
    const approvalFlow = (approval: Partial<StepDefinition> = {}): WorkflowDefinition =>
      workflow([
        { id: 'quote', type: 'transform', output: { total: '${ input.total }' } },
        { id: 'manager', type: 'approval', ...approval } as StepDefinition,
        notify('order', { approvedBy: '${ steps.manager.output.by }', total: '${ steps.quote.output.total }' }),
      ]);

    it('waits without a timer when it has no timeout, and announces that an approval is requested', async () => {
      const run = new WaitingRunDriver(approvalFlow(), { total: 900 });

      const started = await run.start();

      expect(started.commands).toEqual([lifecycle('running'), { type: 'PublishAlert', alert: 'approval_requested', stepId: 'manager' }]);
      expect(historyTypes(started)).toEqual([
        'RunStarted',
        'StepStarted:quote',
        'StepCompleted:quote',
        'StepStarted:manager',
        'StepWaiting:manager',
      ]);
      expect(started.history.at(-1)).toEqual({ type: 'StepWaiting', stepId: 'manager', attempt: 1, at: iso(T0) });
      expect(run.state.steps.manager).toMatchObject({ status: 'waiting', attempts: 1 });
      expect(run.state.status).toBe('running');
    });

    it('sets a timer at now + timeout when it has one', async () => {
      const run = new WaitingRunDriver(approvalFlow({ timeout: '2h' }), { total: 900 });

      const started = await run.start(at(30));

      expect(started.commands).toEqual([
        lifecycle('running'),
        { type: 'ScheduleTimer', stepId: 'manager', attempt: 1, dueAt: iso(at(30 + 2 * 3600)) },
        { type: 'PublishAlert', alert: 'approval_requested', stepId: 'manager' },
      ]);
      expect(run.state.steps.manager.status).toBe('waiting');
    });

    it('completes with the decision as output when approved, and the run goes on', async () => {
      const run = new WaitingRunDriver(approvalFlow({ timeout: '2h' }), { total: 900 });
      await run.start();

      const approved = await run.signal('manager', { decision: 'approved', by: 'alice', comment: 'fine' }, at(60));

      expect(approved.commands).toEqual([notifyDispatch('order', { approvedBy: 'alice', total: 900 }, at(60))]);
      expect(approved.history).toEqual([
        { type: 'StepCompleted', stepId: 'manager', attempt: 1, at: iso(at(60)) },
        { type: 'StepStarted', stepId: 'order', attempt: 1, at: iso(at(60)) },
      ]);
      expect(run.state.steps.manager).toMatchObject({
        status: 'completed',
        output: { decision: 'approved', by: 'alice', comment: 'fine' },
        endedAt: iso(at(60)),
      });

      // The timeout that follows is moot.
      await expectIgnored(run, { type: 'TimerDue', stepId: 'manager', attempt: 1 }, 'step is completed', at(7200));

      const done = await run.complete('order', null, 1, at(61));
      expect(done.commands).toEqual([lifecycle('completed')]);
    });

    it('fails the step and the run when rejected, keeping the decision as output', async () => {
      const run = new WaitingRunDriver(approvalFlow(), { total: 900 });
      await run.start();

      const rejected = await run.signal('manager', { decision: 'rejected', by: 'bob', comment: 'too expensive' }, at(60));

      const message = "approval 'manager' rejected by bob: too expensive";
      expect(rejected.commands).toEqual([lifecycle('failed')]);
      expect(rejected.history).toEqual([
        {
          type: 'StepFailed',
          stepId: 'manager',
          attempt: 1,
          data: { message, retryable: false, code: 'approval.rejected' },
          at: iso(at(60)),
        },
        { type: 'StepSkipped', stepId: 'order', at: iso(at(60)) },
        { type: 'RunFailed', data: { message: `step 'manager' failed: ${message}`, stepId: 'manager' }, at: iso(at(60)) },
      ]);
      expect(run.state.steps.manager).toMatchObject({
        status: 'failed',
        attempts: 1,
        output: { decision: 'rejected', by: 'bob', comment: 'too expensive' },
        error: { message, retryable: false, code: 'approval.rejected' },
        endedAt: iso(at(60)),
      });
      expect(run.state).toMatchObject({ status: 'failed', error: { message: `step 'manager' failed: ${message}`, stepId: 'manager' } });
      expect(run.statuses()).toEqual({ quote: 'completed', manager: 'failed', order: 'skipped' });
    });

    it('leaves out who and why from the rejection message when the signal does not say', async () => {
      const run = new WaitingRunDriver(approvalFlow());
      await run.start();

      await run.signal('manager', { decision: 'rejected' });

      expect(run.state.steps.manager.error).toEqual({
        message: "approval 'manager' rejected",
        retryable: false,
        code: 'approval.rejected',
      });
      expect(run.state.steps.manager.output).toEqual({ decision: 'rejected' });
    });

    it('ignores a signal for an unknown step, a step that is no approval or an approval that is not waiting', async () => {
      const run = new WaitingRunDriver(workflow([{ id: 'first', type: 'approval' }, { id: 'second', type: 'approval' }, notify('after')]));
      const approve: SignalPayload = { decision: 'approved', by: 'alice' };

      await expectIgnored(run, { type: 'SignalReceived', name: 'first', payload: approve }, "approval 'first' is pending, not waiting");
      await run.start();

      await expectIgnored(run, { type: 'SignalReceived', name: 'ghost', payload: approve }, "no approval step 'ghost'");
      await expectIgnored(run, { type: 'SignalReceived', name: 'after', payload: approve }, "no approval step 'after'");
      await expectIgnored(run, { type: 'SignalReceived', name: 'second', payload: approve }, "approval 'second' is pending, not waiting");
      await expectIgnored(run, { type: 'SignalReceived', name: 'constructor', payload: approve }, "no approval step 'constructor'");

      await run.signal('first', approve);
      expect(run.statuses()).toEqual({ first: 'completed', second: 'waiting', after: 'pending' });
      await expectIgnored(
        run,
        { type: 'SignalReceived', name: 'first', payload: { decision: 'rejected', by: 'mallory' } },
        "approval 'first' is completed, not waiting",
      );
      expect(run.state.steps.first.output).toEqual(approve);

      await run.signal('second', { decision: 'rejected' });
      expect(run.state.status).toBe('failed');
      await expectIgnored(run, { type: 'SignalReceived', name: 'second', payload: approve }, 'run is failed');
    });

    it('applies defaultDecision approved when the timeout passes', async () => {
      const run = new WaitingRunDriver(approvalFlow({ timeout: '1h', defaultDecision: 'approved' }), { total: 5 });
      await run.start();

      const due = await run.timer('manager', 1, at(3600));

      expect(due.commands).toEqual([notifyDispatch('order', { approvedBy: 'timeout', total: 5 }, at(3600))]);
      expect(run.state.steps.manager).toMatchObject({ status: 'completed', output: { decision: 'approved', by: 'timeout' } });
      expect(run.state.status).toBe('running');

      // A decision arriving after the timeout changes nothing.
      await expectIgnored(
        run,
        { type: 'SignalReceived', name: 'manager', payload: { decision: 'rejected', by: 'bob' } },
        "approval 'manager' is completed, not waiting",
        at(3601),
      );
    });

    it('applies defaultDecision rejected when the timeout passes', async () => {
      const run = new WaitingRunDriver(approvalFlow({ timeout: '1h', defaultDecision: 'rejected' }));
      await run.start();

      const due = await run.timer('manager', 1, at(3600));

      const message = "approval 'manager' rejected by timeout";
      expect(due.commands).toEqual([lifecycle('failed')]);
      expect(historyTypes(due)).toEqual(['StepFailed:manager', 'StepSkipped:order', 'RunFailed']);
      expect(run.state.steps.manager).toMatchObject({
        status: 'failed',
        output: { decision: 'rejected', by: 'timeout' },
        error: { message, retryable: false, code: 'approval.rejected' },
      });
      expect(run.state.error).toEqual({ message: `step 'manager' failed: ${message}`, stepId: 'manager' });
    });

    it('fails when the timeout passes without a decision and without defaultDecision', async () => {
      const run = new WaitingRunDriver(approvalFlow({ timeout: '30m' }));
      await run.start();

      await expectIgnored(run, { type: 'TimerDue', stepId: 'manager', attempt: 2 }, 'attempt 2 is not the waiting attempt 1', at(1800));
      const due = await run.timer('manager', 1, at(1800));

      const message = "no decision for approval 'manager' within 30m";
      expect(due.commands).toEqual([lifecycle('failed')]);
      expect(run.state.steps.manager).toMatchObject({ status: 'failed', error: { message, retryable: false, code: 'timeout' } });
      expect(run.state.steps.manager.output).toBeUndefined();
      expect(run.state.error).toEqual({ message: `step 'manager' failed: ${message}`, stepId: 'manager' });
    });
  });

  describe('succeed', () => {
    it('ends the run completed with its own output, skipping the steps that have not started', async () => {
      const run = new WaitingRunDriver(
        workflow(
          [
            notify('lookup'),
            notify('audit', undefined, []),
            { id: 'known', type: 'succeed', output: { customer: '${ steps.lookup.output.id }', cached: true }, needs: ['lookup'] },
            notify('create'),
            notify('welcome'),
          ],
          { output: { never: 'used' } },
        ),
      );
      await run.start();
      expect(run.statuses()).toEqual({ lookup: 'running', audit: 'running', known: 'pending', create: 'pending', welcome: 'pending' });

      const decision = await run.complete('lookup', { id: 'c-42' }, 1, at(2));

      expect(decision.commands).toEqual([lifecycle('completed')]);
      expect(historyTypes(decision)).toEqual([
        'StepCompleted:lookup',
        'StepStarted:known',
        'StepCompleted:known',
        'StepSkipped:create',
        'StepSkipped:welcome',
        'RunCompleted',
      ]);
      expect(run.state).toMatchObject({ status: 'completed', output: { customer: 'c-42', cached: true }, endedAt: iso(at(2)) });
      expect(run.state.steps.known).toMatchObject({ status: 'completed', attempts: 1, output: { customer: 'c-42', cached: true } });
      // The parallel branch is not called off, but its result no longer matters.
      expect(run.statuses()).toEqual({ lookup: 'completed', audit: 'running', known: 'completed', create: 'skipped', welcome: 'skipped' });
      await expectIgnored(run, { type: 'TaskCompleted', stepId: 'audit', attempt: 1, output: null }, 'run is completed', at(3));
    });

    it('ends the run with no output when it has none', async () => {
      const run = new WaitingRunDriver(workflow([{ id: 'done', type: 'succeed' }, notify('never')], { output: 'ignored' }));

      const started = await run.start();

      expect(started.commands).toEqual([lifecycle('running'), lifecycle('completed')]);
      expect(run.state.status).toBe('completed');
      expect(run.state.output).toBeUndefined();
      expect(run.statuses()).toEqual({ done: 'completed', never: 'skipped' });
    });
  });

  describe('fail', () => {
    it('fails the run with the message its error template gives', async () => {
      const run = new WaitingRunDriver(
        workflow([
          { id: 'check', type: 'transform', output: { ok: '${ input.total < 1000 }' } },
          { id: 'stop', type: 'fail', error: 'order ${ input.orderId } is over the limit (${ input.total })' },
          notify('after'),
        ]),
        { orderId: 'o-9', total: 5000 },
      );

      const started = await run.start();

      const message = 'order o-9 is over the limit (5000)';
      expect(started.commands).toEqual([lifecycle('running'), lifecycle('failed')]);
      expect(started.history).toEqual([
        { type: 'RunStarted', at: iso(T0) },
        { type: 'StepStarted', stepId: 'check', attempt: 1, at: iso(T0) },
        { type: 'StepCompleted', stepId: 'check', attempt: 1, at: iso(T0) },
        { type: 'StepStarted', stepId: 'stop', attempt: 1, at: iso(T0) },
        { type: 'StepFailed', stepId: 'stop', attempt: 1, data: { message, retryable: false }, at: iso(T0) },
        { type: 'StepSkipped', stepId: 'after', at: iso(T0) },
        { type: 'RunFailed', data: { message: `step 'stop' failed: ${message}`, stepId: 'stop' }, at: iso(T0) },
      ]);
      expect(run.state).toMatchObject({ status: 'failed', error: { message: `step 'stop' failed: ${message}`, stepId: 'stop' } });
    });

    it('uses JSON for an error that is not text, and a default message without one', async () => {
      const structured = new WaitingRunDriver(workflow([{ id: 'stop', type: 'fail', error: { code: '${ input.code }', retry: false } }]), {
        code: 'E42',
      });
      await structured.start();
      expect(structured.state.error?.message).toBe('step \'stop\' failed: {"code":"E42","retry":false}');

      const plain = new WaitingRunDriver(workflow([{ id: 'stop', type: 'fail' }]));
      await plain.start();
      expect(plain.state.error?.message).toBe("step 'stop' failed: failed by step 'stop'");
    });

    it('fails the step with the expression error when its template cannot be evaluated', async () => {
      const run = new WaitingRunDriver(workflow([{ id: 'stop', type: 'fail', error: '${ $number(input.code) }' }]), { code: 'abc' });

      await run.start();

      const error = run.state.steps.stop.error;
      expect(error?.retryable).toBe(false);
      expect(error?.message).toContain("expression '$number(input.code)' failed");
      expect(run.state).toMatchObject({ status: 'failed', error: { message: `step 'stop' failed: ${error?.message}` } });
    });
  });

  describe('input schema', () => {
    const schema = {
      type: 'object',
      required: ['orderId', 'items'],
      properties: {
        orderId: { type: 'string' },
        items: { type: 'array', items: { type: 'object', properties: { qty: { type: 'number' } } } },
      },
    };

    it('fails the run at RunStarted, naming every violation, without starting a step', async () => {
      const run = new WaitingRunDriver(workflow([notify('a'), notify('b')], { input: schema }), { items: [{ qty: 1 }, { qty: 'two' }] });

      const started = await run.start(at(1));

      const message =
        "input does not match the workflow's input schema: input.orderId: must have required property 'orderId'; input.items[1].qty: must be number";
      expect(started.commands).toEqual([lifecycle('running'), lifecycle('failed')]);
      expect(started.history).toEqual([
        { type: 'RunStarted', at: iso(at(1)) },
        { type: 'StepSkipped', stepId: 'a', at: iso(at(1)) },
        { type: 'StepSkipped', stepId: 'b', at: iso(at(1)) },
        { type: 'RunFailed', data: { message }, at: iso(at(1)) },
      ]);
      expect(run.state).toMatchObject({ status: 'failed', error: { message }, startedAt: iso(at(1)), endedAt: iso(at(1)) });
      expect(run.state.error?.stepId).toBeUndefined();
      expect(run.statuses()).toEqual({ a: 'skipped', b: 'skipped' });
      expect(Object.values(run.state.steps).every((step) => step.attempts === 0)).toBe(true);
    });

    it('starts the run when the input matches', async () => {
      const run = new WaitingRunDriver(workflow([notify('a')], { input: schema }), { orderId: 'o-1', items: [{ qty: 2 }] });

      const started = await run.start();

      expect(started.commands).toEqual([lifecycle('running'), notifyDispatch('a')]);
      expect(run.state.status).toBe('running');
    });
  });
});

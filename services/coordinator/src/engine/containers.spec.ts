import type { StepDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { RunDriver, task, workflow, withoutAttemptTimers } from './testing/run-driver';

const transform = (id: string, output: unknown, extra: Partial<StepDefinition> = {}): StepDefinition =>
  ({ id, type: 'transform', output, ...extra }) as StepDefinition;

describe('switch', () => {
  const definition = workflow(
    [
      {
        id: 'route',
        type: 'switch',
        cases: [
          { when: 'input.total > 1000', steps: [task('review'), transform('flag', { big: true })] },
          { when: 'input.total > 100', steps: [transform('standard', { lane: 'standard' })] },
        ],
        default: [transform('express', { lane: 'express' })],
      },
      transform('done', { lane: '${ steps.route.output.lane }' }),
    ],
    { output: '${ steps.done.output }' },
  );

  it('runs the first case that holds, skips the others, and joins with its last output', async () => {
    const run = new RunDriver(definition, { input: { total: 5000 }, view: withoutAttemptTimers });
    const started = await run.start();
    expect(run.statuses()).toEqual({
      route: 'running',
      review: 'running',
      flag: 'pending',
      standard: 'skipped',
      express: 'skipped',
      done: 'pending',
    });
    expect(started.commands).toContainEqual(expect.objectContaining({ type: 'DispatchTask', stepId: 'review' }));

    await run.complete('review', { ok: true });
    expect(run.statuses()).toMatchObject({ route: 'completed', flag: 'completed', done: 'completed' });
    expect(run.state.steps.route.output).toEqual({ big: true });
    expect(run.state.status).toBe('completed');
  });

  it('falls back to default, and completes in one decision when every branch step is inline', async () => {
    const run = new RunDriver(definition, { input: { total: 5 } });
    await run.start();
    expect(run.state.status).toBe('completed');
    expect(run.state.output).toEqual({ lane: 'express' });
    expect(run.statuses()).toMatchObject({ review: 'skipped', flag: 'skipped', standard: 'skipped', express: 'completed' });
  });

  it('completes with a null output when no case holds and there is no default', async () => {
    const run = new RunDriver(workflow([{ id: 'route', type: 'switch', cases: [{ when: 'false', steps: [transform('x', 1)] }] }]));
    await run.start();
    expect(run.state.status).toBe('completed');
    expect(run.state.steps.route).toMatchObject({ status: 'completed', output: null });
    expect(run.state.steps.x.status).toBe('skipped');
  });
});

describe('parallel', () => {
  const definition = workflow([
    {
      id: 'fan-out',
      type: 'parallel',
      branches: [
        { steps: [task('reserve'), transform('reserved', { stock: '${ steps.reserve.output.id }' })] },
        { steps: [task('charge')] },
      ],
    },
    transform('after', { all: '${ steps.`fan-out`.output }' }),
  ]);

  it('starts every branch at once and joins them in branch order', async () => {
    const run = new RunDriver(definition, { view: withoutAttemptTimers });
    const started = await run.start();
    const dispatched = started.commands.filter((c) => c.type === 'DispatchTask').map((c) => ('stepId' in c ? c.stepId : ''));
    expect(dispatched).toEqual(['reserve', 'charge']);

    await run.complete('charge', { paid: true });
    expect(run.state.steps['fan-out'].status).toBe('running');
    await run.complete('reserve', { id: 's-1' });
    expect(run.state.steps['fan-out']).toMatchObject({ status: 'completed', output: [{ stock: 's-1' }, { paid: true }] });
    expect(run.state.steps.after.output).toEqual({ all: [{ stock: 's-1' }, { paid: true }] });
    expect(run.state.status).toBe('completed');
  });

  it('fails the run on the first branch failure that is not caught', async () => {
    const run = new RunDriver(definition, { view: withoutAttemptTimers });
    await run.start();
    await run.fail('charge', 'card declined', false);
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'charge' } });
    expect(run.statuses()).toMatchObject({ reserve: 'running', reserved: 'skipped', after: 'skipped' });
  });
});

describe('forEach', () => {
  const notifyAll = (extra: Partial<StepDefinition> = {}) =>
    workflow(
      [
        {
          id: 'notify',
          type: 'forEach',
          items: '${ input.customers }',
          concurrency: 2,
          step: {
            type: 'task',
            taskType: 'send-email',
            input: { to: '${ item.email }', position: '${ index }' },
            retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' },
          },
          ...extra,
        } as StepDefinition,
        transform('summary', { sent: '${ $count(steps.notify.output) }' }),
      ],
      { output: '${ steps.summary.output }' },
    );
  const customers = [{ email: 'a@x.test' }, { email: 'b@x.test' }, { email: 'c@x.test' }];
  const dispatchedIds = (decision: { commands: { type: string }[] }) =>
    decision.commands.flatMap((c) => (c.type === 'DispatchTask' && 'stepId' in c ? [String(c.stepId)] : []));

  it('runs the step per item, at most `concurrency` at a time, with item and index, and outputs results in item order', async () => {
    const run = new RunDriver(notifyAll(), { input: { customers }, view: withoutAttemptTimers });
    const started = await run.start();
    expect(dispatchedIds(started)).toEqual(['notify[0]', 'notify[1]']);
    expect(run.state.steps['notify[1]'].input).toEqual({ to: 'b@x.test', position: 1 });

    const second = await run.complete('notify[1]', { id: 'm-b' });
    expect(dispatchedIds(second)).toEqual(['notify[2]']);
    await run.complete('notify[2]', { id: 'm-c' });
    expect(run.state.steps.notify.status).toBe('running');
    await run.complete('notify[0]', { id: 'm-a' });

    expect(run.state.steps.notify).toMatchObject({ status: 'completed', output: [{ id: 'm-a' }, { id: 'm-b' }, { id: 'm-c' }] });
    expect(run.state).toMatchObject({ status: 'completed', output: { sent: 3 } });
  });

  it('completes at once with an empty list', async () => {
    const run = new RunDriver(notifyAll(), { input: { customers: [] } });
    await run.start();
    expect(run.state.steps.notify).toMatchObject({ status: 'completed', output: [] });
    expect(run.state.status).toBe('completed');
  });

  it('fails the forEach on an item that fails for good, skipping items not started, and the run unless the forEach catches it', async () => {
    const run = new RunDriver(notifyAll(), { input: { customers }, view: withoutAttemptTimers });
    await run.start();
    await run.fail('notify[0]', 'mailbox full', false);
    expect(run.state.steps.notify).toMatchObject({ status: 'failed', error: { message: 'item 0 failed: mailbox full' } });
    expect(run.statuses()).toMatchObject({ 'notify[1]': 'running', 'notify[2]': 'skipped', summary: 'skipped' });
    expect(run.state.status).toBe('failed');

    const caught = new RunDriver(
      workflow([
        { ...(notifyAll().steps[0] as object), catch: [{ next: 'apologise' }] } as StepDefinition,
        transform('apologise', { sorry: true }),
      ]),
      { input: { customers }, view: withoutAttemptTimers },
    );
    await caught.start();
    await caught.fail('notify[0]', 'mailbox full', false);
    await caught.complete('notify[1]', {});
    expect(caught.state.status).toBe('completed');
    expect(caught.statuses()).toMatchObject({ notify: 'failed', apologise: 'completed' });
  });

  it('fails the step when items is not a list', async () => {
    const run = new RunDriver(notifyAll(), { input: { customers: 'everyone' } });
    await run.start();
    expect(run.state.steps.notify).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('items must give a list') },
    });
  });
});

import type { ForEachStepDefinition, StepDefinition } from '@baton/dsl';
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

describe('containers with catch, saga and retry', () => {
  it('keeps a catch handler inside a branch dormant on the normal path', async () => {
    const run = new RunDriver(
      workflow([
        {
          id: 'both',
          type: 'parallel',
          branches: [
            { steps: [{ ...task('call'), catch: [{ next: 'fallback' }] } as StepDefinition, transform('fallback', { used: true })] },
          ],
        },
      ]),
      { view: withoutAttemptTimers },
    );
    await run.start();
    await run.complete('call', { ok: true });
    expect(run.statuses()).toMatchObject({ call: 'completed', fallback: 'skipped', both: 'completed' });
    expect(run.state.status).toBe('completed');
  });

  it('joins a branch whose remaining steps can never start after a caught failure', async () => {
    const run = new RunDriver(
      workflow([
        {
          id: 'route',
          type: 'switch',
          cases: [
            {
              when: 'true',
              steps: [
                {
                  ...task('call'),
                  retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' },
                  catch: [{ next: 'handle' }],
                } as StepDefinition,
                transform('after-call', 1),
                transform('handle', { handled: true }),
              ],
            },
          ],
        },
        transform('next', 2),
      ]),
      { view: withoutAttemptTimers },
    );
    await run.start();
    await run.fail('call', 'boom', false);
    expect(run.statuses()).toMatchObject({
      call: 'failed',
      'after-call': 'skipped',
      handle: 'completed',
      route: 'completed',
      next: 'completed',
    });
    expect(run.state.status).toBe('completed');
  });

  it('compensates and ends when a parallel branch fails while a container is still running', async () => {
    const undo = { type: 'task', taskType: 'undo-reserve' } as const;
    const run = new RunDriver(
      workflow([
        {
          id: 'both',
          type: 'parallel',
          branches: [
            { steps: [{ ...task('reserve'), compensate: undo } as StepDefinition] },
            { steps: [{ ...task('pack'), retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' } } as StepDefinition] },
          ],
        },
      ]),
      { view: withoutAttemptTimers },
    );
    await run.start();
    await run.complete('reserve', { ok: true });
    await run.fail('pack', 'no boxes', false);
    expect(run.state.status).toBe('compensating');
    // The branch failure failed its parallel step, and that the run.
    expect(run.state.steps.both.status).toBe('failed');
    await run.complete('reserve.compensate', {});
    expect(run.state.status).toBe('compensated');
  });

  it('gives a forEach item compensation its item, and a retried forEach keeps completed items', async () => {
    const definition = workflow([
      {
        id: 'each',
        type: 'forEach',
        items: '${ input.skus }',
        concurrency: 2,
        step: {
          type: 'task',
          taskType: 'reserve',
          input: { sku: '${ item }' },
          retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' },
          compensate: { type: 'task', taskType: 'release', input: { sku: '${ item }' } },
        },
      } as StepDefinition,
    ]);
    const run = new RunDriver(definition, { input: { skus: ['a', 'b'] }, view: withoutAttemptTimers });
    await run.start();
    await run.complete('each[0]', { held: 'a' });
    const failed = await run.fail('each[1]', 'out of stock', false);
    expect(failed.commands).toContainEqual(
      expect.objectContaining({ type: 'DispatchTask', stepId: 'each[0].compensate', input: { sku: 'a' } }),
    );

    const plain = new RunDriver(
      workflow([
        {
          ...(definition.steps[0] as ForEachStepDefinition),
          step: { type: 'task', taskType: 'reserve', retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' } },
        },
      ]),
      {
        input: { skus: ['a', 'b'] },
        view: withoutAttemptTimers,
      },
    );
    await plain.start();
    await plain.complete('each[0]', { held: 'a' });
    await plain.fail('each[1]', 'out of stock', false);
    expect(plain.state.status).toBe('failed');
    const retried = await plain.send({ type: 'RetryRequested' });
    const dispatched = retried.commands
      .filter((c) => c.type === 'DispatchTask')
      .map((c) => ('stepId' in c ? `${c.stepId}#${c.attempt}` : ''));
    expect(dispatched).toEqual(['each[1]#2']);
    expect(plain.state.steps['each[0]']).toMatchObject({ status: 'completed', attempts: 1 });
  });
});

import type { StepDefinition, WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { RUN_TIMER, type Decision, type EngineCommand } from './run-state';
import { at, RunDriver, workflow } from './testing/run-driver';

function driver(steps: StepDefinition[], extra: Partial<WorkflowDefinition> = {}): RunDriver {
  return new RunDriver(workflow(steps, { name: 'timers', ...extra }));
}

const timerCommands = (d: Decision) => d.commands.filter((c): c is EngineCommand => c.type === 'ScheduleTimer' || c.type === 'CancelTimer');

describe('timers', () => {
  it('times out a worker task attempt at its deadline, retries it, and cancels the timer of an attempt that answered', async () => {
    const run = driver([
      {
        id: 'charge',
        type: 'task',
        taskType: 'charge-card',
        timeout: '10s',
        retry: { maxAttempts: 2, backoff: 'fixed', initialInterval: '1s' },
      },
    ]);
    const started = await run.send({ type: 'RunStarted' });
    expect(timerCommands(started)).toEqual([{ type: 'ScheduleTimer', stepId: 'charge', attempt: 1, dueAt: at(10).toISOString() }]);

    const timedOut = await run.send({ type: 'TimerDue', stepId: 'charge', attempt: 1 }, at(10));
    expect(timedOut.history.map((h) => h.type)).toEqual(['StepTimedOut', 'StepFailed', 'StepRetryScheduled']);
    expect(run.state.steps.charge.error).toEqual({ message: 'attempt 1 timed out after 10s', retryable: true, code: 'timeout' });
    expect(timerCommands(timedOut)).toEqual([{ type: 'CancelTimer', stepId: 'charge', attempt: 1, kind: 'timer' }]);

    const retried = await run.send({ type: 'RetryDue', stepId: 'charge', attempt: 2 }, at(11));
    expect(timerCommands(retried)).toEqual([{ type: 'ScheduleTimer', stepId: 'charge', attempt: 2, dueAt: at(21).toISOString() }]);

    const answered = await run.send({ type: 'TaskCompleted', stepId: 'charge', attempt: 2, output: { ok: true } }, at(12));
    expect(run.state.status).toBe('completed');
    expect(timerCommands(answered)).toEqual([{ type: 'CancelTimer', stepId: 'charge', attempt: 2, kind: 'timer' }]);

    const late = await run.send({ type: 'TimerDue', stepId: 'charge', attempt: 2 }, at(21));
    expect(late.commands).toEqual([]);
    expect(late.history.map((h) => h.type)).toEqual(['StaleResultIgnored']);
  });

  it('gives http steps without a timeout no coordinator timer: the executor enforces their request timeout', async () => {
    const run = driver([{ id: 'call', type: 'http', with: { method: 'GET', url: 'http://x.test' } }]);
    expect(timerCommands(await run.send({ type: 'RunStarted' }))).toEqual([]);
  });

  it('times out the whole run, cancelling what is unfinished, and ends timed_out', async () => {
    const run = driver([{ id: 'wait', type: 'approval' }], { timeout: '1h' });
    const started = await run.send({ type: 'RunStarted' });
    expect(timerCommands(started)).toEqual([{ type: 'ScheduleTimer', stepId: RUN_TIMER, attempt: 1, dueAt: at(3600).toISOString() }]);

    const timedOut = await run.send({ type: 'TimerDue', stepId: RUN_TIMER, attempt: 1 }, at(3600));
    expect(run.state).toMatchObject({ status: 'timed_out', error: { message: 'run timed out after 1h' } });
    expect(run.state.steps.wait.status).toBe('cancelled');
    expect(timedOut.commands).toContainEqual({ type: 'PublishLifecycle', status: 'timed_out' });
  });

  it('cancels the run timer when the run ends first, and the retry timer of a retry that will not happen', async () => {
    const run = driver(
      [
        { id: 'a', type: 'task', taskType: 'a', retry: { maxAttempts: 3, backoff: 'fixed', initialInterval: '1s' } },
        { id: 'b', type: 'fail', needs: [] },
      ],
      { timeout: '1h' },
    );
    const started = await run.send({ type: 'RunStarted' });
    expect(run.state.status).toBe('failed');
    expect(timerCommands(started)).toEqual(expect.arrayContaining([{ type: 'CancelTimer', stepId: RUN_TIMER, attempt: 1, kind: 'timer' }]));

    const retrying = driver([{ id: 'a', type: 'task', taskType: 'a', retry: { maxAttempts: 3, backoff: 'fixed', initialInterval: '1s' } }]);
    await retrying.send({ type: 'RunStarted' });
    await retrying.send({ type: 'TaskFailed', stepId: 'a', attempt: 1, error: { message: 'busy', retryable: true } });
    const cancelled = await retrying.send({ type: 'CancelRequested' });
    expect(timerCommands(cancelled)).toEqual([{ type: 'CancelTimer', stepId: 'a', attempt: 2, kind: 'retry' }]);
  });
});

describe('heartbeats', () => {
  it('move a running worker task attempt deadline out by its timeout, and change nothing else', async () => {
    const run = driver([{ id: 'crunch', type: 'task', taskType: 'crunch', timeout: '30s' }]);
    await run.send({ type: 'RunStarted' });
    const beat = await run.send({ type: 'TaskHeartbeat', stepId: 'crunch', attempt: 1 }, at(20));
    expect(beat.commands).toEqual([
      { type: 'CancelTimer', stepId: 'crunch', attempt: 1, kind: 'timer' },
      { type: 'ScheduleTimer', stepId: 'crunch', attempt: 1, dueAt: at(50).toISOString() },
    ]);
    expect(beat.history).toEqual([]);
    expect(run.state.steps.crunch).toMatchObject({ status: 'running', attempts: 1 });

    const stale = await run.send({ type: 'TaskHeartbeat', stepId: 'crunch', attempt: 7 }, at(25));
    expect(stale.commands).toEqual([]);
  });
});

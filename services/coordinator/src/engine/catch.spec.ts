import type { StepDefinition, WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import type { Decision } from './run-state';
import { RunDriver, workflow } from './testing/run-driver';

function driver(steps: StepDefinition[], extra: Partial<WorkflowDefinition> = {}): RunDriver {
  return new RunDriver(workflow(steps, { name: 'catching', ...extra }));
}

const charge: StepDefinition = {
  id: 'charge',
  type: 'task',
  taskType: 'charge-card',
  retry: { maxAttempts: 1, backoff: 'fixed', initialInterval: '1s' },
  catch: [{ errors: ['card.*'], next: 'declined' }, { next: 'manual' }],
};
const steps: StepDefinition[] = [
  charge,
  { id: 'ship', type: 'transform', output: { shipped: true } },
  { id: 'declined', type: 'transform', output: { reason: '${ steps.charge.error.message }' } },
  { id: 'tell-customer', type: 'transform', output: { told: true }, needs: ['declined'] },
  { id: 'manual', type: 'transform', output: { queued: true } },
];

/** The charge's only attempt fails for good, with this error. */
function failCharge(run: RunDriver, message: string, code: string): Promise<Decision> {
  return run.send({ type: 'TaskFailed', stepId: 'charge', attempt: 1, error: { message, retryable: false, code } });
}

describe('catch', () => {
  it('routes a matching error to its handler, skips what followed the failed step, and completes the run', async () => {
    const run = driver(steps, { output: '${ steps.declined.output }' });
    await run.send({ type: 'RunStarted' });
    expect(run.statuses()).toMatchObject({ charge: 'running', declined: 'pending', manual: 'pending' });

    const caught = await failCharge(run, 'insufficient funds', 'card.declined');

    expect(caught.history.map((h) => `${h.type}:${h.stepId ?? ''}`)).toContain('StepCaught:charge');
    expect(run.state.status).toBe('completed');
    expect(run.statuses()).toEqual({
      charge: 'failed',
      ship: 'skipped',
      declined: 'completed',
      'tell-customer': 'completed',
      manual: 'skipped',
    });
    expect(run.state.steps.declined.output).toEqual({ reason: 'insufficient funds' });
    expect(run.state.output).toEqual({ reason: 'insufficient funds' });
  });

  it('uses the first route that takes the error: a route without errors takes any', async () => {
    const run = driver(steps);
    await run.send({ type: 'RunStarted' });
    await failCharge(run, 'gateway down', 'http.503');
    expect(run.statuses()).toMatchObject({ charge: 'failed', declined: 'skipped', manual: 'completed', ship: 'skipped' });
    expect(run.state.status).toBe('completed');
  });

  it('fails the run when no route takes the error', async () => {
    const run = driver([{ ...charge, catch: [{ errors: ['card.*'], next: 'declined' }] }, ...steps.slice(1)]);
    await run.send({ type: 'RunStarted' });
    await failCharge(run, 'gateway down', 'http.503');
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'charge' } });
  });

  it('never starts a handler on the normal path', async () => {
    const run = driver(steps);
    await run.send({ type: 'RunStarted' });
    await run.send({ type: 'TaskCompleted', stepId: 'charge', attempt: 1, output: { id: 'ch-1' } });
    expect(run.state.status).toBe('completed');
    expect(run.statuses()).toEqual({
      charge: 'completed',
      ship: 'completed',
      declined: 'skipped',
      'tell-customer': 'skipped',
      manual: 'skipped',
    });
  });
});

import type { RunError } from '@baton/contracts';
import { evaluateTemplate, ExpressionError, readySteps } from '@baton/dsl';
import { emit, record } from './decision-context';
import type { DecisionContext } from './decision-context';
import { scopeOf } from './scope';
import { cancelScheduledStep, skipStep, startStep } from './step-transitions';

export function startRun(ctx: DecisionContext): void {
  ctx.state.status = 'running';
  ctx.state.startedAt = ctx.at;
  record(ctx, { type: 'RunStarted' });
  emit(ctx, { type: 'PublishLifecycle', status: 'running' });
}

/**
 * Moves the run as far as it can go now: starts every step whose `needs` are met (independent
 * ones together, which is how branches run in parallel), again and again while steps that
 * complete inline make more of them ready, then completes the run once every step has.
 */
export async function advanceRun(ctx: DecisionContext): Promise<void> {
  for (let ready = readyStepIds(ctx); ready.length > 0; ready = readyStepIds(ctx)) {
    for (const stepId of ready) {
      if ((await startStep(ctx, stepId)) === 'failed') {
        failRunBecauseOfStep(ctx, stepId);
        return;
      }
    }
  }
  if (everyStepCompleted(ctx)) {
    await completeRun(ctx);
  }
}

/** Ends the run because one of its steps failed for good. */
export function failRunBecauseOfStep(ctx: DecisionContext, stepId: string): void {
  const message = ctx.state.steps[stepId]?.error?.message ?? 'unknown error';
  failRun(ctx, { message: `step '${stepId}' failed: ${message}`, stepId });
}

/**
 * Ends the run as failed. Steps that never started are skipped and pending retries cancelled;
 * attempts still running are left alone, and their results are ignored because the run is over.
 */
export function failRun(ctx: DecisionContext, error: RunError): void {
  for (const stepId of ctx.graph.order) {
    const status = ctx.state.steps[stepId]?.status;
    if (status === 'pending') {
      skipStep(ctx, stepId);
    } else if (status === 'scheduled') {
      cancelScheduledStep(ctx, stepId);
    }
  }
  ctx.state.status = 'failed';
  ctx.state.error = error;
  ctx.state.endedAt = ctx.at;
  record(ctx, { type: 'RunFailed', data: error });
  emit(ctx, { type: 'PublishLifecycle', status: 'failed' });
}

async function completeRun(ctx: DecisionContext): Promise<void> {
  const output = await evaluateWorkflowOutput(ctx);
  if (output instanceof ExpressionError) {
    failRun(ctx, { message: `workflow output failed: ${output.message}` });
    return;
  }
  ctx.state.status = 'completed';
  ctx.state.output = output;
  ctx.state.endedAt = ctx.at;
  record(ctx, { type: 'RunCompleted' });
  emit(ctx, { type: 'PublishLifecycle', status: 'completed' });
}

async function evaluateWorkflowOutput(ctx: DecisionContext): Promise<unknown> {
  if (ctx.definition.output === undefined) {
    return undefined;
  }
  try {
    return await evaluateTemplate(ctx.definition.output, scopeOf(ctx.state));
  } catch (error) {
    if (error instanceof ExpressionError) {
      return error;
    }
    throw error;
  }
}

function readyStepIds(ctx: DecisionContext): string[] {
  const { steps } = ctx.state;
  return readySteps(
    ctx.graph,
    (stepId) => steps[stepId]?.status === 'completed',
    (stepId) => steps[stepId]?.status === 'pending',
  );
}

function everyStepCompleted(ctx: DecisionContext): boolean {
  return ctx.graph.order.every((stepId) => ctx.state.steps[stepId]?.status === 'completed');
}

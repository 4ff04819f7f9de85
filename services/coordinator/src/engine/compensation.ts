import type { TaskError } from '@baton/contracts';
import {
  ExpressionError,
  isRetryableUnder,
  retryDelayMs,
  retryPolicyOf,
  type CompensationDefinition,
  type StepDefinition,
} from '@baton/dsl';
import { emit, instantAfter, record, stepStateOf, type DecisionContext } from './decision-context';
import type { CompensationReason, StepState } from './run-state';
import { definitionOf, isContainer, stepContextOf } from './step-transitions';
import { stepTypeOf } from './step-types';

/**
 * Compensation tasks are dispatched for `<stepId>.compensate`: a dot cannot appear in a step id,
 * so results and retries for them never collide with the step's own.
 */
export const COMPENSATION_SUFFIX = '.compensate';

export function isCompensationTarget(stepId: string): boolean {
  return stepId.endsWith(COMPENSATION_SUFFIX);
}

export function compensatedStepOf(target: string): string {
  return target.slice(0, -COMPENSATION_SUFFIX.length);
}

/**
 * Starts the saga when the run has completed steps that can be undone, or running ones that may
 * complete and need undoing: the run turns `compensating` and the most recently completed step is
 * compensated first. False when there is nothing to compensate, so the caller ends the run directly.
 */
export async function beginCompensation(ctx: DecisionContext, reason: CompensationReason): Promise<boolean> {
  // A step still running may yet complete; if it can be undone, the run waits for it.
  const mayNeedUndoing = Object.values(ctx.state.steps).some(
    (s) => s.status === 'running' && definitionOf(ctx, s.id).compensate !== undefined,
  );
  if (nextToCompensate(ctx) === undefined && !mayNeedUndoing) return false;
  ctx.state.status = 'compensating';
  ctx.state.compensationReason = reason;
  record(ctx, { type: 'RunCompensating', data: { reason } });
  emit(ctx, { type: 'PublishLifecycle', status: 'compensating' });
  await continueCompensation(ctx);
  return true;
}

/**
 * One compensation at a time, in reverse completion order. A step that completes while the run
 * compensates (it was running when the run failed) gets the highest completion order, so it is
 * undone next. The run ends once nothing is left to undo and no step is still running.
 */
export async function continueCompensation(ctx: DecisionContext): Promise<void> {
  const steps = Object.values(ctx.state.steps);
  if (steps.some((s) => s.compensation?.status === 'running' || s.compensation?.status === 'scheduled')) return;
  const next = nextToCompensate(ctx);
  if (next) {
    await startCompensation(ctx, next.id);
    return;
  }
  if (steps.some((s) => s.status === 'running' && !isContainer(ctx, s.id))) return;
  const reason = ctx.state.compensationReason;
  // Waiting for a running step that then failed too leaves nothing undone: the run simply failed.
  const undone = steps.some((s) => s.status === 'compensated');
  const finalStatus = reason === 'cancelled' ? 'cancelled' : reason === 'timed_out' ? 'timed_out' : undone ? 'compensated' : 'failed';
  ctx.state.status = finalStatus;
  ctx.state.endedAt = ctx.at;
  record(ctx, { type: reason === 'cancelled' ? 'RunCancelled' : finalStatus === 'failed' ? 'RunFailed' : 'RunCompensated' });
  emit(ctx, { type: 'PublishLifecycle', status: finalStatus });
}

export async function startCompensation(ctx: DecisionContext, stepId: string): Promise<void> {
  const step = stepStateOf(ctx, stepId);
  const compensation = (step.compensation ??= { status: 'running', attempts: 0 });
  compensation.status = 'running';
  compensation.attempts += 1;
  const action = compensationOf(ctx, stepId);
  const target = `${stepId}${COMPENSATION_SUFFIX}`;
  let start;
  try {
    // The step's own context: a forEach item's compensation sees its `item` and `index`.
    start = await stepTypeOf(action).start(action, stepContextOf(ctx, stepId));
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    failCompensation(ctx, stepId, { message: error.message, retryable: false });
    return;
  }
  record(ctx, { type: 'CompensationStarted', stepId, attempt: compensation.attempts });
  if (start.kind !== 'dispatch') throw new Error(`compensation of '${stepId}' must be dispatched, got ${start.kind}`);
  emit(ctx, {
    type: 'DispatchTask',
    stepId: target,
    attempt: compensation.attempts,
    taskType: start.taskType,
    input: start.input,
    deadline: instantAfter(ctx, start.timeoutMs),
  });
}

export async function completeCompensation(ctx: DecisionContext, stepId: string): Promise<void> {
  const step = stepStateOf(ctx, stepId);
  step.status = 'compensated';
  step.compensation = { status: 'completed', attempts: step.compensation?.attempts ?? 1 };
  record(ctx, { type: 'StepCompensated', stepId, attempt: step.compensation.attempts });
  await continueCompensation(ctx);
}

/** Retries per the compensation's own policy; when they run out the run fails, naming the compensation. */
export function compensationFailed(ctx: DecisionContext, stepId: string, error: TaskError): void {
  const compensation = stepStateOf(ctx, stepId).compensation;
  if (!compensation) return;
  const policy = retryPolicyOf(compensationOf(ctx, stepId));
  if (isRetryableUnder(policy, error) && compensation.attempts < policy.maxAttempts) {
    const dueAt = instantAfter(ctx, retryDelayMs(policy, compensation.attempts, `${ctx.state.id}:${stepId}${COMPENSATION_SUFFIX}`));
    compensation.status = 'scheduled';
    compensation.error = error;
    record(ctx, { type: 'CompensationRetryScheduled', stepId, attempt: compensation.attempts + 1, data: { dueAt, error } });
    emit(ctx, { type: 'ScheduleRetry', stepId: `${stepId}${COMPENSATION_SUFFIX}`, attempt: compensation.attempts + 1, dueAt });
    return;
  }
  failCompensation(ctx, stepId, error);
}

function failCompensation(ctx: DecisionContext, stepId: string, error: TaskError): void {
  const step = stepStateOf(ctx, stepId);
  step.compensation = { status: 'failed', attempts: step.compensation?.attempts ?? 1, error };
  record(ctx, { type: 'CompensationFailed', stepId, attempt: step.compensation.attempts, data: error });
  ctx.state.status = 'failed';
  ctx.state.error = { message: `compensation of step '${stepId}' failed: ${error.message}`, stepId };
  ctx.state.endedAt = ctx.at;
  record(ctx, { type: 'RunFailed', data: ctx.state.error });
  emit(ctx, { type: 'PublishLifecycle', status: 'failed' });
}

/** The completed step with a `compensate` action that completed last and is not yet undone. */
function nextToCompensate(ctx: DecisionContext): StepState | undefined {
  return Object.values(ctx.state.steps)
    .filter((s) => s.status === 'completed' && s.compensation === undefined && definitionOf(ctx, s.id).compensate !== undefined)
    .sort((a, b) => (b.completionOrder ?? 0) - (a.completionOrder ?? 0))[0];
}

/** The compensation as a step of its own type, so the http/publish/task step types build its task. */
function compensationOf(ctx: DecisionContext, stepId: string): StepDefinition & CompensationDefinition {
  const compensate = definitionOf(ctx, stepId).compensate;
  if (!compensate) throw new Error(`step '${stepId}' has no compensation`);
  return { id: stepId, ...compensate } as StepDefinition & CompensationDefinition;
}

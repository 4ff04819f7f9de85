import type { TaskError } from '@baton/contracts';
import { ExpressionError, retryDelayMs, retryPolicyOf } from '@baton/dsl';
import type { StepDefinition } from '@baton/dsl';
import { emit, instantAfter, record, stepStateOf } from './decision-context';
import type { DecisionContext } from './decision-context';
import { scopeOf } from './scope';
import { stepTypeOf } from './step-types';
import type { StepContext, StepStart } from './step-types';

/** Where a step stands once the engine has tried to start it. */
export type StepStartOutcome = 'running' | 'completed' | 'failed';

/**
 * Starts the step's next attempt: dispatches it as a task, or completes it on the spot when its
 * type needs no worker. A step whose templates cannot be evaluated fails without retry, since
 * evaluating the same expressions against the same scope would fail again.
 */
export async function startStep(ctx: DecisionContext, stepId: string): Promise<StepStartOutcome> {
  const step = stepStateOf(ctx, stepId);
  step.attempts += 1;
  step.startedAt ??= ctx.at;
  const attempt = step.attempts;

  const start = await evaluateStart(ctx, definitionOf(ctx, stepId));
  if (start instanceof ExpressionError) {
    failStep(ctx, stepId, { message: start.message, retryable: false });
    return 'failed';
  }
  record(ctx, { type: 'StepStarted', stepId, attempt });
  if (start.kind === 'completed') {
    completeStep(ctx, stepId, start.output);
    return 'completed';
  }
  step.status = 'running';
  step.input = start.input;
  emit(ctx, {
    type: 'DispatchTask',
    stepId,
    attempt,
    taskType: start.taskType,
    input: start.input,
    deadline: instantAfter(ctx, start.timeoutMs),
  });
  return 'running';
}

export function completeStep(ctx: DecisionContext, stepId: string, output: unknown): void {
  const step = stepStateOf(ctx, stepId);
  step.status = 'completed';
  step.output = output;
  step.endedAt = ctx.at;
  // An error left by an earlier attempt no longer describes the step.
  delete step.error;
  record(ctx, { type: 'StepCompleted', stepId, attempt: step.attempts });
}

/** True when the step's retry policy allows another attempt after this error. */
export function canRetry(ctx: DecisionContext, stepId: string, error: TaskError): boolean {
  const policy = retryPolicyOf(definitionOf(ctx, stepId));
  return error.retryable && stepStateOf(ctx, stepId).attempts < policy.maxAttempts;
}

/** Records the failed attempt and asks for `RetryDue` of the next one after the policy's back-off. */
export function scheduleRetry(ctx: DecisionContext, stepId: string, error: TaskError): void {
  const step = stepStateOf(ctx, stepId);
  const failedAttempt = step.attempts;
  const nextAttempt = failedAttempt + 1;
  const dueAt = instantAfter(ctx, retryDelayMs(retryPolicyOf(definitionOf(ctx, stepId)), failedAttempt));
  step.status = 'scheduled';
  step.error = error;
  record(ctx, { type: 'StepFailed', stepId, attempt: failedAttempt, data: error });
  record(ctx, { type: 'StepRetryScheduled', stepId, attempt: nextAttempt, data: { dueAt } });
  emit(ctx, { type: 'ScheduleRetry', stepId, attempt: nextAttempt, dueAt });
}

/** The step's last attempt failed for good. */
export function failStep(ctx: DecisionContext, stepId: string, error: TaskError): void {
  const step = stepStateOf(ctx, stepId);
  step.status = 'failed';
  step.error = error;
  step.endedAt = ctx.at;
  record(ctx, { type: 'StepFailed', stepId, attempt: step.attempts, data: error });
}

/** Steps that never started will not: the run has ended without them. */
export function skipStep(ctx: DecisionContext, stepId: string): void {
  stepStateOf(ctx, stepId).status = 'skipped';
  record(ctx, { type: 'StepSkipped', stepId });
}

/** A retry waiting for its timer is called off; the `RetryDue` that follows is ignored. */
export function cancelScheduledStep(ctx: DecisionContext, stepId: string): void {
  const step = stepStateOf(ctx, stepId);
  step.status = 'cancelled';
  step.endedAt = ctx.at;
}

function definitionOf(ctx: DecisionContext, stepId: string): StepDefinition {
  const definition = Object.hasOwn(ctx.graph.steps, stepId) ? ctx.graph.steps[stepId] : undefined;
  if (definition === undefined) {
    throw new Error(`workflow ${ctx.definition.name} has no step '${stepId}'`);
  }
  return definition;
}

/** The step type's start, with an expression failure returned instead of thrown; other errors are bugs and propagate. */
async function evaluateStart(ctx: DecisionContext, definition: StepDefinition): Promise<StepStart | ExpressionError> {
  try {
    return await stepTypeOf(definition).start(definition, stepContextOf(ctx));
  } catch (error) {
    if (error instanceof ExpressionError) {
      return error;
    }
    throw error;
  }
}

function stepContextOf(ctx: DecisionContext): StepContext {
  return { scope: scopeOf(ctx.state), now: ctx.now, runId: ctx.state.id, workflow: ctx.state.workflow };
}

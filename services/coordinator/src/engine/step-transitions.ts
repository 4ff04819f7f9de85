import { RunIds, type TaskError } from '@baton/contracts';
import { ExpressionError, isRetryableUnder, MAX_SUBWORKFLOW_DEPTH, retryDelayMs, retryPolicyOf } from '@baton/dsl';
import type { ForEachStepDefinition, StepDefinition } from '@baton/dsl';
import { emit, instantAfter, record, stepStateOf } from './decision-context';
import type { DecisionContext } from './decision-context';
import { scopeOf } from './scope';
import { attemptTimeoutMs, attemptTimerGraceMs } from './timers';
import { stepTypeOf } from './step-types';
import type { StepContext, StepStart } from './step-types';

/**
 * Where a step stands once the engine has tried to start it. `succeeded` means the step ended
 * the whole run successfully (a `succeed` step).
 */
export type StepStartOutcome = 'running' | 'waiting' | 'completed' | 'failed' | 'succeeded';

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
  switch (start.kind) {
    case 'completed':
      completeStep(ctx, stepId, start.output);
      return 'completed';
    case 'succeedRun':
      completeStep(ctx, stepId, start.output);
      return 'succeeded';
    case 'failed':
      failStep(ctx, stepId, { message: start.message, retryable: false });
      return 'failed';
    case 'wait': {
      step.status = 'waiting';
      const data = { ...(start.until ? { until: start.until } : {}), ...(start.event ? { event: start.event } : {}) };
      record(ctx, { type: 'StepWaiting', stepId, attempt, ...(Object.keys(data).length > 0 ? { data } : {}) });
      if (start.until) emit(ctx, { type: 'ScheduleTimer', stepId, attempt, dueAt: start.until });
      if (start.event) emit(ctx, { type: 'AwaitEvent', stepId, attempt, eventType: start.event });
      if (start.approval) emit(ctx, { type: 'PublishAlert', alert: 'approval_requested', stepId });
      return 'waiting';
    }
    case 'child':
      return startChildRun(ctx, stepId, start);
    case 'route':
      routeToBranches(ctx, stepId, start.branches);
      return 'running';
    case 'fanOut':
      fanOut(ctx, stepId, start.items);
      return 'running';
    case 'dispatch':
      break;
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
  const grace = attemptTimerGraceMs(definitionOf(ctx, stepId));
  if (grace !== undefined) emit(ctx, { type: 'ScheduleTimer', stepId, attempt, dueAt: instantAfter(ctx, start.timeoutMs + grace) });
  return 'running';
}

/**
 * A `subWorkflow` attempt starts its child run (one per attempt, with an id derived from it) and
 * waits for the child to report its end; with a `timeout`, the attempt has a deadline too.
 */
function startChildRun(ctx: DecisionContext, stepId: string, start: Extract<StepStart, { kind: 'child' }>): StepStartOutcome {
  const step = stepStateOf(ctx, stepId);
  const depth = (ctx.state.trigger.kind === 'workflow' ? ctx.state.trigger.depth : 0) + 1;
  if (depth > MAX_SUBWORKFLOW_DEPTH) {
    const message = `sub-workflows nest at most ${MAX_SUBWORKFLOW_DEPTH} deep; starting '${start.workflow}' here would make ${depth}`;
    failStep(ctx, stepId, { message, retryable: false, code: 'subWorkflow.depth' });
    return 'failed';
  }
  const runId = RunIds.forChild(ctx.state.id, stepId, step.attempts);
  step.status = 'running';
  step.input = start.input;
  step.childRunId = runId;
  emit(ctx, {
    type: 'StartChildRun',
    runId,
    workflow: start.workflow,
    ...(start.version === undefined ? {} : { version: start.version }),
    input: start.input,
    trigger: { kind: 'workflow', parentRunId: ctx.state.id, parentStepId: stepId, attempt: step.attempts, depth },
  });
  const definition = definitionOf(ctx, stepId);
  const grace = attemptTimerGraceMs(definition);
  if (grace !== undefined) {
    emit(ctx, { type: 'ScheduleTimer', stepId, attempt: step.attempts, dueAt: instantAfter(ctx, attemptTimeoutMs(definition) + grace) });
  }
  return 'running';
}

export function completeStep(ctx: DecisionContext, stepId: string, output: unknown): void {
  const step = stepStateOf(ctx, stepId);
  step.status = 'completed';
  step.output = output;
  step.endedAt = ctx.at;
  step.completionOrder = 1 + Math.max(0, ...Object.values(ctx.state.steps).map((s) => s.completionOrder ?? 0));
  // An error left by an earlier attempt no longer describes the step.
  delete step.error;
  record(ctx, { type: 'StepCompleted', stepId, attempt: step.attempts });
}

/** True when the step's retry policy allows another attempt after this error. */
export function canRetry(ctx: DecisionContext, stepId: string, error: TaskError): boolean {
  const policy = retryPolicyOf(definitionOf(ctx, stepId));
  return isRetryableUnder(policy, error) && stepStateOf(ctx, stepId).attempts < policy.maxAttempts;
}

/** Records the failed attempt and asks for `RetryDue` of the next one after the policy's back-off. */
export function scheduleRetry(ctx: DecisionContext, stepId: string, error: TaskError): void {
  const step = stepStateOf(ctx, stepId);
  const failedAttempt = step.attempts;
  const nextAttempt = failedAttempt + 1;
  const dueAt = instantAfter(ctx, retryDelayMs(retryPolicyOf(definitionOf(ctx, stepId)), failedAttempt, `${ctx.state.id}:${stepId}`));
  step.status = 'scheduled';
  step.error = error;
  record(ctx, { type: 'StepFailed', stepId, attempt: failedAttempt, data: error });
  record(ctx, { type: 'StepRetryScheduled', stepId, attempt: nextAttempt, data: { dueAt } });
  emit(ctx, { type: 'ScheduleRetry', stepId, attempt: nextAttempt, dueAt });
}

/**
 * A container starts the chosen branches (their steps may now start, in their own order) and
 * skips the others; it stays `running` until its branches settle (see `joinContainers`).
 */
function routeToBranches(ctx: DecisionContext, stepId: string, chosen: number[]): void {
  const step = stepStateOf(ctx, stepId);
  const branches = ctx.graph.branches[stepId] ?? [];
  step.status = 'running';
  step.input = { branches: chosen };
  record(ctx, { type: 'StepRouted', stepId, data: { branches: chosen } });
  branches.forEach((branch, index) => {
    // Catch handlers in the branch stay dormant until an error is routed to them.
    if (chosen.includes(index))
      ctx.state.routed = [...(ctx.state.routed ?? []), ...branch.filter((id) => !ctx.graph.handlers.includes(id))];
    else for (const id of branch) if (ctx.state.steps[id]?.status === 'pending') skipStep(ctx, id);
  });
}

/** One pending step per item, `<id>[<index>]`; `progressForEach` starts them within the concurrency limit. */
function fanOut(ctx: DecisionContext, stepId: string, items: unknown[]): void {
  const step = stepStateOf(ctx, stepId);
  const type = (definitionOf(ctx, stepId) as ForEachStepDefinition).step.type;
  step.status = 'running';
  step.input = { items };
  items.forEach((_, index) => {
    const id = iterationId(stepId, index);
    // After a `/retry`, items keep their state: completed ones are not run again, failed ones
    // get their next attempt number (and so a new idempotency key).
    ctx.state.steps[id] ??= { id, type, status: 'pending', attempts: 0 };
  });
  record(ctx, { type: 'StepFannedOut', stepId, data: { items: items.length } });
}

/** The id of one item's run of a `forEach` step; `[` cannot appear in a step id. */
export const iterationId = (forEachId: string, index: number): string => `${forEachId}[${index}]`;

/** `x[3]` → the forEach `x` and the index 3; undefined for an ordinary step id. */
export function iterationOf(stepId: string): { forEachId: string; index: number } | undefined {
  const match = /^(.+)\[(\d+)\]$/.exec(stepId);
  return match ? { forEachId: match[1], index: Number(match[2]) } : undefined;
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

/**
 * A step waiting for a retry, a timer or a signal is called off; the `RetryDue`, `TimerDue` or
 * signal that may follow is ignored.
 */
export function cancelStep(ctx: DecisionContext, stepId: string): void {
  const step = stepStateOf(ctx, stepId);
  step.status = 'cancelled';
  step.endedAt = ctx.at;
  record(ctx, { type: 'StepCancelled', stepId });
}

/** Containers (switch, parallel, forEach) do no work of their own: only their steps are waited for. */
export function isContainer(ctx: DecisionContext, stepId: string): boolean {
  return ['switch', 'parallel', 'forEach'].includes(definitionOf(ctx, stepId).type);
}

export function definitionOf(ctx: DecisionContext, stepId: string): StepDefinition {
  const iteration = iterationOf(stepId);
  if (iteration) {
    const forEach = definitionOf(ctx, iteration.forEachId) as ForEachStepDefinition;
    return { ...forEach.step, id: stepId } as StepDefinition;
  }
  const definition = Object.hasOwn(ctx.graph.steps, stepId) ? ctx.graph.steps[stepId] : undefined;
  if (definition === undefined) {
    throw new Error(`workflow ${ctx.definition.name} has no step '${stepId}'`);
  }
  return definition;
}

/** The step type's start, with an expression failure returned instead of thrown; other errors are bugs and propagate. */
async function evaluateStart(ctx: DecisionContext, definition: StepDefinition): Promise<StepStart | ExpressionError> {
  try {
    return await stepTypeOf(definition).start(definition, stepContextOf(ctx, definition.id));
  } catch (error) {
    if (error instanceof ExpressionError) {
      return error;
    }
    throw error;
  }
}

/** The run's scope; for an item of a forEach, with `item` and `index` too. */
export function stepContextOf(ctx: DecisionContext, stepId: string): StepContext {
  const scope = scopeOf(ctx.state);
  const iteration = iterationOf(stepId);
  if (iteration) {
    const items = (ctx.state.steps[iteration.forEachId]?.input as { items?: unknown[] } | undefined)?.items ?? [];
    Object.assign(scope, { item: items[iteration.index], index: iteration.index });
  }
  return { scope, now: ctx.now, runId: ctx.state.id, workflow: ctx.state.workflow };
}

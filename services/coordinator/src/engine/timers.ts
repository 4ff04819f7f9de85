import { TERMINAL_RUN_STATUSES } from '@baton/contracts';
import type { StepDefinition } from '@baton/dsl';
import { emit, type DecisionContext } from './decision-context';
import { RUN_TIMER, type RunState } from './run-state';
import { definitionOf } from './step-transitions';
import { durationMsOrDefault } from './step-types/step-duration';
import { DEFAULT_HTTP_TIMEOUT_MS } from './step-types/http.step-type';
import { DEFAULT_TASK_TIMEOUT_MS } from './step-types/task.step-type';

/** Lets the executor's own request timeout report first, with the better message; the coordinator's timer is the backstop. */
const HTTP_TIMEOUT_GRACE_MS = 5_000;

/**
 * Steps whose attempts the coordinator times out itself: worker tasks (a worker may vanish) and any
 * step with an explicit `timeout` (a `subWorkflow` too). Waiting steps (`delay`, `approval`,
 * `waitForEvent`) have their own timers.
 */
export function attemptTimerGraceMs(step: StepDefinition): number | undefined {
  if (step.type === 'task') return 0;
  if (step.timeout === undefined) return undefined;
  return step.type === 'http' ? HTTP_TIMEOUT_GRACE_MS : 0;
}

/** The attempt timeout the coordinator enforces for a step with an attempt timer. */
export function attemptTimeoutMs(step: StepDefinition): number {
  const fallback = step.type === 'task' ? DEFAULT_TASK_TIMEOUT_MS : DEFAULT_HTTP_TIMEOUT_MS;
  return durationMsOrDefault(step.timeout, fallback);
}

/**
 * After a decision: timers of steps that stopped running or waiting, of retries that will not
 * happen and of a run that ended are cancelled, so a moot timer fires nothing; a step that
 * stopped waiting for an event is no longer offered any.
 */
export function cancelMootTimers(ctx: DecisionContext, before: RunState): void {
  for (const [stepId, was] of Object.entries(before.steps)) {
    const now = ctx.state.steps[stepId];
    const moved = now.status !== was.status || now.attempts !== was.attempts;
    if (!moved) continue;
    const definition = definitionOf(ctx, stepId);
    if ((was.status === 'running' && attemptTimerGraceMs(definition) !== undefined) || was.status === 'waiting') {
      emit(ctx, { type: 'CancelTimer', stepId, attempt: was.attempts, kind: 'timer' });
    }
    if (was.status === 'waiting' && definition.type === 'waitForEvent') emit(ctx, { type: 'StopAwaitingEvent', stepId });
    if (was.status === 'scheduled' && now.status !== 'running') {
      emit(ctx, { type: 'CancelTimer', stepId, attempt: was.attempts + 1, kind: 'retry' });
    }
  }
  const ended = !isTerminal(before) && isTerminal(ctx.state);
  if (ended && ctx.definition.timeout !== undefined) {
    emit(ctx, { type: 'CancelTimer', stepId: RUN_TIMER, attempt: ctx.state.deadlineTimer ?? 1, kind: 'timer' });
  }
}

export function isTerminal(state: RunState): boolean {
  return TERMINAL_RUN_STATUSES.includes(state.status);
}

import type { RunStatus } from '@baton/contracts';
import { emit, type DecisionContext } from './decision-context';
import type { RunEvent, RunState } from './run-state';
import { isTerminal } from './timers';

/**
 * After a decision: a child run whose parent step stopped waiting for it (the parent was
 * cancelled, failed or timed out, or the step's own attempt timed out) is cancelled. A step that
 * ended because its child reported needs nothing more.
 */
export function cancelAbandonedChildren(ctx: DecisionContext, before: RunState, event: RunEvent): void {
  for (const [stepId, was] of Object.entries(before.steps)) {
    if (was.status !== 'running' || was.childRunId === undefined) continue;
    const now = ctx.state.steps[stepId];
    if (now.status === 'running' && now.attempts === was.attempts) continue;
    const reportedByChild =
      (event.type === 'TaskCompleted' || event.type === 'TaskFailed') && event.stepId === stepId && event.attempt === was.attempts;
    if (reportedByChild) continue;
    emit(ctx, {
      type: 'CancelChildRun',
      runId: was.childRunId,
      reason: `parent run ${ctx.state.id} no longer waits for it (step '${stepId}' is ${now.status})`,
    });
  }
}

/**
 * After a decision: a child run that just ended reports to its parent's `subWorkflow` step, as the
 * result of the attempt that started it. Completed gives the child's output; any other end is a
 * failure coded `subWorkflow.<status>`. The child's steps had their own retries, so the step
 * starts a new child only when its `retry.retryOn` names the code.
 */
export function reportToParent(ctx: DecisionContext, before: RunState): void {
  const { trigger, status } = ctx.state;
  if (trigger.kind !== 'workflow' || isTerminal(before) || !isTerminal(ctx.state)) return;
  if (status === 'completed') {
    emit(ctx, { type: 'ReportToParent', parent: trigger, outcome: { output: ctx.state.output ?? null } });
    return;
  }
  const detail = ctx.state.error ? `: ${ctx.state.error.message}` : '';
  emit(ctx, {
    type: 'ReportToParent',
    parent: trigger,
    outcome: {
      error: {
        message: `child run ${ctx.state.id} (${ctx.state.workflow}) ended ${status}${detail}`,
        code: childFailureCode(status),
        retryable: false,
      },
    },
  });
}

/** `subWorkflow.failed`, `subWorkflow.compensated`, `subWorkflow.timed_out` or `subWorkflow.cancelled`, for `retryOn` and `catch`. */
const childFailureCode = (status: RunStatus): string => `subWorkflow.${status}`;

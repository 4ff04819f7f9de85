import { Subjects, type RunLifecycleEvent, type TaskDispatch, type TaskResult } from '@baton/contracts';
import type { OutboxMessage } from '@baton/messaging';
import type { EngineCommand, RunState } from '../engine';

/** Idempotency key of one step attempt (DESIGN.md §5): sent to HTTP targets and workers. */
export const attemptKey = (runId: string, stepId: string, attempt: number): string => `${runId}:${stepId}:${attempt}`;

/** Outbox message id of a step's timer, so a timer can be found again to cancel it. */
const timerMsgId = (runId: string, stepId: string, attempt: number, kind: 'retry' | 'timer') =>
  `${kind}:${attemptKey(runId, stepId, attempt)}`;

/** Message ids of the timers the engine called off: deleted before they fire. */
export function cancelledTimerIds(run: RunState, commands: EngineCommand[]): string[] {
  return commands.flatMap((c) => (c.type === 'CancelTimer' ? [timerMsgId(run.id, c.stepId, c.attempt, c.kind)] : []));
}

/**
 * Turns the engine's commands into the messages the outbox relays after commit. `transition`
 * (the run's history sequence after this decision) makes each lifecycle message id unique, so a
 * status reached twice — `running` again after a retry — is published twice.
 */
export function toOutboxMessages(run: RunState, commands: EngineCommand[], now: Date, transition: number): OutboxMessage[] {
  return commands.flatMap((command): OutboxMessage[] => {
    switch (command.type) {
      case 'CancelTimer':
      case 'AwaitEvent':
      case 'StopAwaitingEvent':
        // Carried out in the run's transaction by RunTransitions, not as messages.
        return [];
      case 'StartChildRun': {
        const { runId, workflow, version, input, trigger } = command;
        return [{ subject: Subjects.startRun, payload: { runId, workflow, version, input, trigger }, msgId: `start:${runId}` }];
      }
      case 'CancelChildRun':
        return [
          { subject: Subjects.cancelRun, payload: { runId: command.runId, reason: command.reason }, msgId: `cancel:${command.runId}` },
        ];
      case 'ReportToParent': {
        // The child's end is the result of the parent step's attempt, on the same subject workers answer on.
        const { parentRunId, parentStepId, attempt } = command.parent;
        const result: TaskResult = {
          taskId: attemptKey(parentRunId, parentStepId, attempt),
          runId: parentRunId,
          stepId: parentStepId,
          attempt,
          ...('output' in command.outcome
            ? { status: 'completed', output: command.outcome.output }
            : { status: 'failed', error: command.outcome.error }),
        };
        return [{ subject: Subjects.taskResult, payload: result, msgId: `child-result:${run.id}:${transition}` }];
      }
      case 'DispatchTask': {
        const key = attemptKey(run.id, command.stepId, command.attempt);
        const dispatch: TaskDispatch = {
          taskId: key,
          runId: run.id,
          stepId: command.stepId,
          attempt: command.attempt,
          idempotencyKey: key,
          input: command.input,
          deadline: command.deadline,
        };
        return [{ subject: Subjects.task(command.taskType), payload: dispatch, msgId: `task:${key}` }];
      }
      case 'ScheduleRetry':
      case 'ScheduleTimer': {
        const kind = command.type === 'ScheduleRetry' ? 'retry' : 'timer';
        return [
          {
            subject: Subjects.stepDue,
            payload: { runId: run.id, stepId: command.stepId, attempt: command.attempt, kind },
            msgId: timerMsgId(run.id, command.stepId, command.attempt, kind),
            notBefore: new Date(command.dueAt),
          },
        ];
      }
      case 'PublishLifecycle': {
        const event: RunLifecycleEvent = {
          runId: run.id,
          workflow: run.workflow,
          version: run.version,
          status: command.status,
          ...(run.output === undefined ? {} : { output: run.output }),
          ...(run.error ? { error: run.error } : {}),
          occurredAt: now.toISOString(),
        };
        return [
          {
            subject: Subjects.lifecycle(run.workflow, command.status),
            payload: event,
            msgId: `lifecycle:${run.id}:${transition}:${command.status}`,
          },
        ];
      }
      case 'PublishAlert': {
        const event: RunLifecycleEvent = {
          runId: run.id,
          workflow: run.workflow,
          version: run.version,
          status: run.status,
          event: command.alert,
          stepId: command.stepId,
          occurredAt: now.toISOString(),
        };
        return [
          {
            subject: Subjects.lifecycle(run.workflow, command.alert),
            payload: event,
            msgId: `lifecycle:${run.id}:${transition}:${command.alert}:${command.stepId}`,
          },
        ];
      }
    }
  });
}

import { Subjects, type RunLifecycleEvent, type TaskDispatch } from '@baton/contracts';
import type { OutboxMessage } from '@baton/messaging';
import type { EngineCommand, RunState } from '../engine';

/** Idempotency key of one step attempt (DESIGN.md §5): sent to HTTP targets and workers. */
export const attemptKey = (runId: string, stepId: string, attempt: number): string => `${runId}:${stepId}:${attempt}`;

/** Turns the engine's commands into the messages the outbox relays after commit. */
export function toOutboxMessages(run: RunState, commands: EngineCommand[], now: Date): OutboxMessage[] {
  return commands.map((command): OutboxMessage => {
    switch (command.type) {
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
        return { subject: Subjects.task(command.taskType), payload: dispatch, msgId: `task:${key}` };
      }
      case 'ScheduleRetry':
      case 'ScheduleTimer': {
        const kind = command.type === 'ScheduleRetry' ? 'retry' : 'timer';
        return {
          subject: Subjects.stepDue,
          payload: { runId: run.id, stepId: command.stepId, attempt: command.attempt, kind },
          msgId: `${kind}:${attemptKey(run.id, command.stepId, command.attempt)}`,
          notBefore: new Date(command.dueAt),
        };
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
        return {
          subject: Subjects.lifecycle(run.workflow, command.status),
          payload: event,
          msgId: `lifecycle:${run.id}:${command.status}`,
        };
      }
    }
  });
}

import { Injectable } from '@nestjs/common';
import {
  nulCharacterErrors,
  RpcProblemError,
  Streams,
  Subjects,
  validatePlain,
  TaskResultDto,
  type CancelRunCommand,
  type StartRunCommand,
  type StepDueCommand,
} from '@baton/contracts';
import { OnJetStreamMessage, TerminalMessageError, type InboundMessage } from '@baton/messaging';
import { RunTransitions } from './run-transitions.service';

/** JetStream consumers of the coordinator: thin adapters from messages to run transitions. */
@Injectable()
export class RunCommandsHandler {
  constructor(private readonly transitions: RunTransitions) {}

  @OnJetStreamMessage({ stream: Streams.commands, durable: 'coordinator-start-run', filterSubject: Subjects.startRun })
  async onStartRun(message: InboundMessage): Promise<void> {
    const command = message.json<StartRunCommand>();
    if (!command?.runId || !command.workflow || (command.version !== undefined && !Number.isInteger(command.version))) {
      throw new TerminalMessageError('start-run command needs runId, workflow and an integer version (or none, for the latest)');
    }
    if (nulCharacterErrors(command.input).length > 0) throw new TerminalMessageError('run input holds U+0000, which cannot be stored');
    try {
      await this.transitions.start(command);
    } catch (error) {
      // A sub-workflow naming a workflow (or version) that does not exist fails its parent step.
      const { trigger } = command;
      if (!(error instanceof RpcProblemError && error.problem.status === 404 && trigger.kind === 'workflow')) throw error;
      await this.transitions.apply(trigger.parentRunId, {
        type: 'TaskFailed',
        stepId: trigger.parentStepId,
        attempt: trigger.attempt,
        error: { message: `cannot start child workflow: ${error.message}`, retryable: false, code: 'subWorkflow.not-found' },
      });
    }
  }

  /** A parent cancelling a child it no longer waits for. */
  @OnJetStreamMessage({ stream: Streams.commands, durable: 'coordinator-cancel-run', filterSubject: Subjects.cancelRun })
  async onCancelRun(message: InboundMessage): Promise<void> {
    const command = message.json<CancelRunCommand>();
    if (!command?.runId) throw new TerminalMessageError('cancel-run command needs runId');
    await this.transitions.apply(command.runId, { type: 'CancelRequested', reason: command.reason });
  }

  @OnJetStreamMessage({ stream: Streams.commands, durable: 'coordinator-step-due', filterSubject: Subjects.stepDue })
  async onStepDue(message: InboundMessage): Promise<void> {
    const due = message.json<StepDueCommand>();
    await this.transitions.apply(due.runId, {
      type: due.kind === 'timer' ? 'TimerDue' : 'RetryDue',
      stepId: due.stepId,
      attempt: due.attempt,
    });
  }

  @OnJetStreamMessage({ stream: Streams.results, durable: 'coordinator-task-results', filterSubject: Subjects.taskResult })
  async onTaskResult(message: InboundMessage): Promise<void> {
    const parsed = validatePlain(TaskResultDto, message.json<unknown>());
    if (!parsed.ok) {
      throw new TerminalMessageError(`invalid task result: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    }
    const result = parsed.value;
    if (result.status === 'running') {
      const task = parseTaskId(result.taskId);
      if (task) await this.transitions.apply(task.runId, { type: 'TaskHeartbeat', stepId: task.stepId, attempt: result.attempt });
      return;
    }
    if (!result.runId || !result.stepId) throw new TerminalMessageError('task result needs runId and stepId');
    await this.transitions.apply(
      result.runId,
      result.status === 'completed'
        ? { type: 'TaskCompleted', stepId: result.stepId, attempt: result.attempt, output: result.output }
        : {
            type: 'TaskFailed',
            stepId: result.stepId,
            attempt: result.attempt,
            error: {
              message: result.error?.message ?? 'task failed',
              retryable: result.error?.retryable ?? false,
              ...(result.error?.code ? { code: result.error.code } : {}),
            },
          },
    );
  }
}

/** Heartbeats carry only `taskId`, which is the attempt key `<runId>:<stepId>:<attempt>` (see run-outbox.ts). */
function parseTaskId(taskId: string): { runId: string; stepId: string } | undefined {
  const [runId, stepId, attempt, ...rest] = taskId.split(':');
  return runId && stepId && attempt && rest.length === 0 ? { runId, stepId } : undefined;
}

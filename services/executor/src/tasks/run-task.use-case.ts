import { Inject, Injectable } from '@nestjs/common';
import { RpcProblemError, Subjects, type BuiltinTaskType, type TaskDispatch, type TaskResult } from '@baton/contracts';
import { JetStreamPublisher } from '@baton/messaging';
import { BatonAttributes, inSpan, serviceTracer } from '@baton/telemetry';
import { TASK_RUNNERS, type TaskRunner } from './task-runner';

/** Runs one attempt with the runner of its task type and answers the coordinator (DESIGN.md §2). */
@Injectable()
export class RunTaskUseCase {
  private readonly tracer = serviceTracer('executor');
  private readonly runners: ReadonlyMap<string, TaskRunner>;

  constructor(
    @Inject(TASK_RUNNERS) runners: TaskRunner[],
    private readonly publisher: JetStreamPublisher,
  ) {
    this.runners = new Map(runners.map((runner) => [runner.taskType, runner]));
  }

  async execute(taskType: BuiltinTaskType, dispatch: TaskDispatch): Promise<TaskResult> {
    const runner = this.runners.get(taskType);
    if (!runner) throw new Error(`no runner registered for task type '${taskType}'`);
    const attributes = {
      [BatonAttributes.runId]: dispatch.runId,
      [BatonAttributes.stepId]: dispatch.stepId,
      [BatonAttributes.attempt]: dispatch.attempt,
    };
    return inSpan(this.tracer, `task ${taskType}`, { attributes }, async () => {
      const outcome = await runner.run(dispatch);
      const result: TaskResult = {
        taskId: dispatch.taskId,
        runId: dispatch.runId,
        stepId: dispatch.stepId,
        attempt: dispatch.attempt,
        ...outcome,
      };
      return this.report(result);
    });
  }

  /** An output too large for NATS would never reach the coordinator; the attempt fails for good instead. */
  private async report(result: TaskResult): Promise<TaskResult> {
    const options = { msgId: `result:${result.taskId}` };
    try {
      await this.publisher.publish(Subjects.taskResult, result, options);
      return result;
    } catch (error) {
      if (!(error instanceof RpcProblemError && error.problem.status === 413)) throw error;
      const tooLarge: TaskResult = {
        taskId: result.taskId,
        runId: result.runId,
        stepId: result.stepId,
        attempt: result.attempt,
        status: 'failed',
        error: { message: `the step's output is too large to report (${error.problem.detail})`, retryable: false },
      };
      await this.publisher.publish(Subjects.taskResult, tooLarge, options);
      return tooLarge;
    }
  }
}

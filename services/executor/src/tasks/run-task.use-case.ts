import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type BuiltinTaskType, type TaskDispatch, type TaskResult } from '@baton/contracts';
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
      await this.publisher.publish(Subjects.taskResult, result, { msgId: `result:${dispatch.taskId}` });
      return result;
    });
  }
}

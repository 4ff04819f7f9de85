import { evaluateTemplate } from '@baton/dsl';
import type { TaskStepDefinition } from '@baton/dsl';
import { durationMsOrDefault } from './step-duration';
import type { StepContext, StepStart, StepType } from './step-type';

/** External workers often do slow work (payments, documents), so the default is generous. */
export const DEFAULT_TASK_TIMEOUT_MS = 5 * 60_000;

/** Work handed to an external worker on `baton.tasks.<taskType>`. */
export class TaskStepType implements StepType<TaskStepDefinition> {
  async start(step: TaskStepDefinition, ctx: StepContext): Promise<StepStart> {
    return {
      kind: 'dispatch',
      taskType: step.taskType,
      input: await evaluateTemplate(step.input, ctx.scope),
      timeoutMs: durationMsOrDefault(step.timeout, DEFAULT_TASK_TIMEOUT_MS),
    };
  }
}

import type { StepDefinition } from '@baton/dsl';
import { ApprovalStepType } from './approval.step-type';
import { DelayStepType } from './delay.step-type';
import { FailStepType } from './fail.step-type';
import { ForEachStepType } from './for-each.step-type';
import { HttpStepType } from './http.step-type';
import { ParallelStepType } from './parallel.step-type';
import { PublishStepType } from './publish.step-type';
import type { StepType } from './step-type';
import { SubWorkflowStepType } from './sub-workflow.step-type';
import { SucceedStepType } from './succeed.step-type';
import { SwitchStepType } from './switch.step-type';
import { TaskStepType } from './task.step-type';
import { TransformStepType } from './transform.step-type';
import { WaitForEventStepType } from './wait-for-event.step-type';

export type { StepContext, StepStart, StepType } from './step-type';

/** One implementation per `type`; the mapped type makes a missing registration a compile error. */
type StepTypeRegistry = {
  [T in StepDefinition['type']]: StepType<Extract<StepDefinition, { type: T }>>;
};

const STEP_TYPE_REGISTRY: StepTypeRegistry = {
  http: new HttpStepType(),
  publish: new PublishStepType(),
  task: new TaskStepType(),
  transform: new TransformStepType(),
  delay: new DelayStepType(),
  approval: new ApprovalStepType(),
  fail: new FailStepType(),
  succeed: new SucceedStepType(),
  switch: new SwitchStepType(),
  parallel: new ParallelStepType(),
  forEach: new ForEachStepType(),
  subWorkflow: new SubWorkflowStepType(),
  waitForEvent: new WaitForEventStepType(),
};

/** The implementation of a step's type. */
export function stepTypeOf<S extends StepDefinition>(step: S): StepType<S> {
  // TypeScript cannot correlate `step.type` with the entry it selects; the registry's mapped type guarantees the match.
  return STEP_TYPE_REGISTRY[step.type] as StepType<S>;
}

import type { ApprovalStepDefinition } from '@baton/dsl';
import { deadlineAfter } from './step-duration';
import type { StepContext, StepStart, StepType } from './step-type';

/** Waits for the signal named by the step id (a human decision), with an optional deadline. */
export class ApprovalStepType implements StepType<ApprovalStepDefinition> {
  async start(step: ApprovalStepDefinition, ctx: StepContext): Promise<StepStart> {
    return { kind: 'wait', approval: true, ...deadlineAfter(step.timeout, ctx.now) };
  }
}

import { parseDuration, type ApprovalStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** Waits for the signal named by the step id (a human decision), with an optional deadline. */
export class ApprovalStepType implements StepType<ApprovalStepDefinition> {
  async start(step: ApprovalStepDefinition, ctx: StepContext): Promise<StepStart> {
    const timeoutMs = step.timeout === undefined ? undefined : parseDuration(step.timeout);
    return { kind: 'wait', ...(timeoutMs === undefined ? {} : { until: new Date(ctx.now.getTime() + timeoutMs).toISOString() }) };
  }
}

import type { WaitForEventStepDefinition } from '@baton/dsl';
import { deadlineAfter } from './step-duration';
import type { StepContext, StepStart, StepType } from './step-type';

/** Waits for a matching event (see event-waits.ts), with an optional deadline. */
export class WaitForEventStepType implements StepType<WaitForEventStepDefinition> {
  async start(step: WaitForEventStepDefinition, ctx: StepContext): Promise<StepStart> {
    return { kind: 'wait', event: step.event, ...deadlineAfter(step.timeout, ctx.now) };
  }
}

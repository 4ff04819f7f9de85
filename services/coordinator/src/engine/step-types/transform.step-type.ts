import { evaluateTemplate } from '@baton/dsl';
import type { TransformStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** A mapping computed from the scope; it needs no worker, so it completes within the decision. */
export class TransformStepType implements StepType<TransformStepDefinition> {
  async start(step: TransformStepDefinition, ctx: StepContext): Promise<StepStart> {
    return { kind: 'completed', output: await evaluateTemplate(step.output, ctx.scope) };
  }
}

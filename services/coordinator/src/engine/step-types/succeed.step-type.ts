import { evaluateTemplate, type SucceedStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** Ends the run as completed now, with its own output; steps not started yet are skipped. */
export class SucceedStepType implements StepType<SucceedStepDefinition> {
  async start(step: SucceedStepDefinition, ctx: StepContext): Promise<StepStart> {
    return { kind: 'succeedRun', output: step.output === undefined ? undefined : await evaluateTemplate(step.output, ctx.scope) };
  }
}

import { evaluateTemplate, type SubWorkflowStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** Runs another workflow as a child; the engine starts it and waits for it to end (see sub-workflows.ts). */
export class SubWorkflowStepType implements StepType<SubWorkflowStepDefinition> {
  async start(step: SubWorkflowStepDefinition, ctx: StepContext): Promise<StepStart> {
    return {
      kind: 'child',
      workflow: step.workflow,
      ...(step.version === undefined ? {} : { version: step.version }),
      input: (await evaluateTemplate(step.input, ctx.scope)) ?? {},
    };
  }
}

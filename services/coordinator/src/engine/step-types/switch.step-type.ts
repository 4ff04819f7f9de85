import { evaluateCondition, type SwitchStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** Chooses the first case whose `when` holds, else `default` (the branch after the cases), else nothing. */
export class SwitchStepType implements StepType<SwitchStepDefinition> {
  async start(step: SwitchStepDefinition, ctx: StepContext): Promise<StepStart> {
    for (const [index, branch] of step.cases.entries()) {
      if (await evaluateCondition(branch.when, ctx.scope)) return { kind: 'route', branches: [index] };
    }
    return { kind: 'route', branches: step.default ? [step.cases.length] : [] };
  }
}

import { evaluateTemplate, type FailStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** Ends the run as failed on purpose, with a message; completed steps are compensated. */
export class FailStepType implements StepType<FailStepDefinition> {
  async start(step: FailStepDefinition, ctx: StepContext): Promise<StepStart> {
    const error = step.error === undefined ? undefined : await evaluateTemplate(step.error, ctx.scope);
    const message = error === undefined ? `failed by step '${step.id}'` : typeof error === 'string' ? error : JSON.stringify(error);
    return { kind: 'failed', message };
  }
}

import { evaluateTemplate, ExpressionError, parseDuration, type DelayStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** A durable timer: the step waits until its instant, with no process sleeping meanwhile. */
export class DelayStepType implements StepType<DelayStepDefinition> {
  async start(step: DelayStepDefinition, ctx: StepContext): Promise<StepStart> {
    if (step.duration !== undefined) {
      const ms = parseDuration(step.duration);
      if (ms === undefined) throw new Error(`step '${step.id}' has an invalid duration '${step.duration}'`);
      return { kind: 'wait', until: new Date(ctx.now.getTime() + ms).toISOString() };
    }
    const until = await evaluateTemplate(step.until, ctx.scope);
    const instant = typeof until === 'string' ? new Date(until) : undefined;
    if (!instant || Number.isNaN(instant.getTime())) {
      throw new ExpressionError(String(step.until), 'runtime', `until must give an ISO-8601 instant, got ${JSON.stringify(until)}`);
    }
    return { kind: 'wait', until: instant.toISOString() };
  }
}

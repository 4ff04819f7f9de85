import { evaluateTemplate, ExpressionError, parseDuration, type DelayStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A durable timer: the step waits until its instant, with no process sleeping meanwhile. */
export class DelayStepType implements StepType<DelayStepDefinition> {
  async start(step: DelayStepDefinition, ctx: StepContext): Promise<StepStart> {
    if (step.duration !== undefined) {
      const ms = parseDuration(step.duration);
      if (ms === undefined) throw new Error(`step '${step.id}' has an invalid duration '${step.duration}'`);
      return { kind: 'wait', until: new Date(ctx.now.getTime() + ms).toISOString() };
    }
    const until = await evaluateTemplate(step.until, ctx.scope);
    // Strict ISO-8601 with a zone: anything looser would depend on the host's time zone.
    const instant = typeof until === 'string' && ISO_INSTANT.test(until) ? new Date(until) : undefined;
    if (!instant || Number.isNaN(instant.getTime())) {
      throw new ExpressionError(
        String(step.until),
        'runtime',
        `until must give an ISO-8601 instant with a zone (e.g. 2026-03-01T10:00:00Z), got ${JSON.stringify(until)}`,
      );
    }
    return { kind: 'wait', until: instant.toISOString() };
  }
}

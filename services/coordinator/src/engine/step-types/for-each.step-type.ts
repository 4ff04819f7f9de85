import { evaluateTemplate, ExpressionError, MAX_FOREACH_ITEMS, type ForEachStepDefinition } from '@baton/dsl';
import type { StepContext, StepStart, StepType } from './step-type';

/** Evaluates the items; each becomes one run of the step, with its own id `<id>[<index>]`. */
export class ForEachStepType implements StepType<ForEachStepDefinition> {
  async start(step: ForEachStepDefinition, ctx: StepContext): Promise<StepStart> {
    const items = await evaluateTemplate(step.items, ctx.scope);
    if (!Array.isArray(items)) {
      throw new ExpressionError(String(step.items), 'runtime', `items must give a list, got ${items === null ? 'null' : typeof items}`);
    }
    if (items.length > MAX_FOREACH_ITEMS) {
      throw new ExpressionError(
        String(step.items),
        'limit',
        `items gave ${items.length} items; a forEach takes at most ${MAX_FOREACH_ITEMS}`,
      );
    }
    return { kind: 'fanOut', items };
  }
}

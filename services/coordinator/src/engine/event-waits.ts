import type { CloudEvent } from '@baton/contracts';
import { evaluateCondition, ExpressionError, type WaitForEventStepDefinition } from '@baton/dsl';
import type { DecisionContext } from './decision-context';
import type { RunEvent } from './run-state';
import { advanceRun } from './run-transitions';
import { completeStep, definitionOf, stepContextOf } from './step-transitions';
import { isTerminal } from './timers';

/**
 * An event for a waiting `waitForEvent` step: when it is of the step's type and its `match` holds
 * over `event` and the run's scope, the step completes with the event as output. Anything else —
 * another run's event, a step no longer waiting — changes nothing and records nothing: every
 * event of a type is offered to every step waiting for that type.
 */
export async function onEventReceived(ctx: DecisionContext, received: Extract<RunEvent, { type: 'EventReceived' }>): Promise<void> {
  const step = Object.hasOwn(ctx.state.steps, received.stepId) ? ctx.state.steps[received.stepId] : undefined;
  if (isTerminal(ctx.state) || ctx.state.status === 'compensating') return;
  if (step?.status !== 'waiting' || step.attempts !== received.attempt) return;
  const definition = definitionOf(ctx, received.stepId);
  if (definition.type !== 'waitForEvent' || definition.event !== received.event.type) return;
  if (!(await matches(ctx, definition, received.event))) return;
  completeStep(ctx, received.stepId, received.event);
  await advanceRun(ctx);
}

/** A `match` that cannot be evaluated against this event (say, a field of the wrong type) does not match it. */
async function matches(ctx: DecisionContext, definition: WaitForEventStepDefinition, event: CloudEvent): Promise<boolean> {
  if (definition.match === undefined) return true;
  const { scope } = stepContextOf(ctx, definition.id);
  try {
    return await evaluateCondition(definition.match, { ...scope, event });
  } catch (error) {
    if (error instanceof ExpressionError) return false;
    throw error;
  }
}

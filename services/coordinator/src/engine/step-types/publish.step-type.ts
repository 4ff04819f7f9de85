import { EVENT_SUBJECT_PREFIX } from '@baton/contracts';
import type { PublishTaskInput } from '@baton/contracts';
import { evaluateTemplate } from '@baton/dsl';
import type { PublishStepDefinition } from '@baton/dsl';
import { durationMsOrDefault } from './step-duration';
import type { StepContext, StepStart, StepType } from './step-type';

export const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;

/** A CloudEvent published by the executor's built-in `publish` task type. */
export class PublishStepType implements StepType<PublishStepDefinition> {
  async start(step: PublishStepDefinition, ctx: StepContext): Promise<StepStart> {
    const input: PublishTaskInput = {
      subject: step.subject,
      eventType: step.eventType ?? eventTypeOf(step.subject),
      // Subscribers can tell which run emitted the event.
      source: `baton/${ctx.workflow}/${ctx.runId}`,
    };
    const data = await evaluateTemplate(step.data, ctx.scope);
    if (data !== undefined) {
      input.data = data;
    }
    const timeoutMs = durationMsOrDefault(step.timeout, DEFAULT_PUBLISH_TIMEOUT_MS);
    return { kind: 'dispatch', taskType: 'publish', input, timeoutMs };
  }
}

/** `baton.events.shipment.requested` carries events of type `shipment.requested`, as triggers expect. */
function eventTypeOf(subject: string): string {
  return subject.startsWith(EVENT_SUBJECT_PREFIX) ? subject.slice(EVENT_SUBJECT_PREFIX.length) : subject;
}

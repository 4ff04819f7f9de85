import type { FieldError } from '@baton/dsl';
import { CloudEventDto } from './dto';
import type { CloudEvent } from './messages';
import { Subjects } from './subjects';
import { validatePlain } from './validation';

/** How much of a body that is not JSON is kept to show why it was rejected. */
const RAW_EXCERPT_CHARS = 4096;

export type TriggerEventCheck =
  | { ok: true; event: CloudEvent }
  /** `received` is what can be stored to show the event: the parsed JSON, or an excerpt of the raw text. */
  | { ok: false; reason: string; errors: FieldError[]; received: unknown };

/**
 * A message on `baton.events.<type>` as a trigger event (DESIGN.md §2, contract): JSON, a valid
 * CloudEvents 1.0 envelope, and a `type` that matches the subject it came on.
 */
export function checkTriggerEvent(subject: string, text: string): TriggerEventCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      reason: `body is not valid JSON: ${(error as Error).message}`,
      errors: [],
      received: text.slice(0, RAW_EXCERPT_CHARS),
    };
  }
  const validated = validatePlain(CloudEventDto, parsed);
  if (!validated.ok) {
    // Keep the parsed event unless it holds what PostgreSQL cannot store; then keep the raw text.
    const received = validated.errors.some((e) => e.message.includes('U+0000')) ? text.slice(0, RAW_EXCERPT_CHARS) : parsed;
    return { ok: false, reason: 'not a valid CloudEvents 1.0 envelope', errors: validated.errors, received };
  }
  const event = parsed as CloudEvent;
  const expectedSubject = Subjects.event(event.type);
  if (subject !== expectedSubject) {
    const message = `type '${event.type}' does not match subject '${subject}' (expected ${expectedSubject})`;
    return { ok: false, reason: message, errors: [{ path: 'type', message }], received: parsed };
  }
  return { ok: true, event };
}

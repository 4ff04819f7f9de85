import { EVENT_TYPE_PATTERN } from './definition.constants';
import type { EventTriggerDefinition, FieldError } from './definition.types';
import { conditionErrorsIn } from './expressions';
import { childPath } from './field-path';
import { checkKnownFields, compact, has, isRecord, optionalString, optionalTemplate, report } from './validation-helpers';

const EVENT_TRIGGER_FIELDS = ['event', 'filter', 'input'];
const SCHEDULE_TRIGGER_FIELDS = ['schedule', 'timezone', 'event', 'filter', 'input'];

/** The `triggers` list. Only event triggers are accepted until cron scheduling lands. */
export function validateTriggers(value: unknown, path: string, errors: FieldError[]): EventTriggerDefinition[] | undefined {
  if (!Array.isArray(value)) {
    report(errors, path, 'triggers must be an array');
    return undefined;
  }
  const before = errors.length;
  const triggers = value.map((raw, index) => validateTrigger(raw, childPath(path, index), errors));
  const valid = triggers.filter((trigger): trigger is EventTriggerDefinition => trigger !== undefined);
  return errors.length === before ? valid : undefined;
}

function validateTrigger(raw: unknown, path: string, errors: FieldError[]): EventTriggerDefinition | undefined {
  if (!isRecord(raw)) {
    report(errors, path, 'trigger must be an object');
    return undefined;
  }
  if (has(raw, 'schedule')) {
    checkKnownFields(raw, SCHEDULE_TRIGGER_FIELDS, path, errors);
    report(errors, childPath(path, 'schedule'), 'schedule triggers are not supported yet');
    return undefined;
  }
  checkKnownFields(raw, EVENT_TRIGGER_FIELDS, path, errors);
  const event = checkEventType(raw, path, errors);
  const filter = optionalString(raw, 'filter', path, errors);
  if (filter !== undefined) {
    errors.push(...conditionErrorsIn(filter, childPath(path, 'filter')));
  }
  const input = optionalTemplate(raw, 'input', path, errors);
  return event === undefined ? undefined : compact({ event, filter, input });
}

function checkEventType(trigger: Record<string, unknown>, path: string, errors: FieldError[]): string | undefined {
  const eventPath = childPath(path, 'event');
  if (!has(trigger, 'event')) {
    report(errors, path, "trigger must have an 'event' (the CloudEvent type that starts the workflow)");
    return undefined;
  }
  const event = trigger.event;
  if (typeof event !== 'string' || !EVENT_TYPE_PATTERN.test(event)) {
    report(
      errors,
      eventPath,
      `invalid event type '${String(event)}'; expected dot-separated tokens of letters, digits, '_' and '-' (e.g. order.created)`,
    );
    return undefined;
  }
  return event;
}

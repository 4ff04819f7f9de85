import { cronSpecError, MAX_ENUMERATED_FIRES } from './cron-schedule';
import { EVENT_TYPE_PATTERN } from './definition.constants';
import {
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
  type FieldError,
  type MisfirePolicy,
  type OverlapPolicy,
  type ScheduleTriggerDefinition,
  type TriggerDefinition,
} from './definition.types';
import { conditionErrorsIn } from './expressions';
import { childPath } from './field-path';
import {
  checkKnownFields,
  compact,
  has,
  isRecord,
  optionalDuration,
  optionalString,
  optionalTemplate,
  report,
  requiredString,
} from './validation-helpers';

const EVENT_TRIGGER_FIELDS = ['event', 'filter', 'input'];
const SCHEDULE_TRIGGER_FIELDS = ['schedule', 'timezone', 'input', 'misfire', 'catchUpLimit', 'overlap', 'jitter'];

/** The `triggers` list: event triggers and cron schedules. */
export function validateTriggers(value: unknown, path: string, errors: FieldError[]): TriggerDefinition[] | undefined {
  if (!Array.isArray(value)) {
    report(errors, path, 'triggers must be an array');
    return undefined;
  }
  const before = errors.length;
  const triggers = value.map((raw, index) => validateTrigger(raw, childPath(path, index), errors));
  const valid = triggers.filter((trigger): trigger is TriggerDefinition => trigger !== undefined);
  return errors.length === before ? valid : undefined;
}

function validateTrigger(raw: unknown, path: string, errors: FieldError[]): TriggerDefinition | undefined {
  if (!isRecord(raw)) {
    report(errors, path, 'trigger must be an object');
    return undefined;
  }
  if (has(raw, 'schedule')) return validateSchedule(raw, path, errors);
  checkKnownFields(raw, EVENT_TRIGGER_FIELDS, path, errors);
  const event = checkEventType(raw, path, errors);
  const filter = optionalString(raw, 'filter', path, errors);
  if (filter !== undefined) {
    errors.push(...conditionErrorsIn(filter, childPath(path, 'filter')));
  }
  const input = optionalTemplate(raw, 'input', path, errors);
  return event === undefined ? undefined : compact({ event, filter, input });
}

/** A cron `schedule` with its time zone, input, misfire and overlap policies and jitter. */
function validateSchedule(raw: Record<string, unknown>, path: string, errors: FieldError[]): ScheduleTriggerDefinition | undefined {
  checkKnownFields(raw, SCHEDULE_TRIGGER_FIELDS, path, errors);
  const before = errors.length;
  const schedule = requiredString(raw, 'schedule', path, errors, 'schedule must be a cron pattern, e.g. "0 9 * * MON-FRI"');
  const timezone = optionalString(raw, 'timezone', path, errors);
  const problem = schedule === undefined ? undefined : cronSpecError({ schedule, timezone });
  if (problem) report(errors, childPath(path, problem.field), problem.message);
  const input = optionalTemplate(raw, 'input', path, errors);
  const misfire = oneOf(raw, 'misfire', MISFIRE_POLICIES, path, errors) as MisfirePolicy | undefined;
  const overlap = oneOf(raw, 'overlap', OVERLAP_POLICIES, path, errors) as OverlapPolicy | undefined;
  const catchUpLimit = raw.catchUpLimit;
  if (has(raw, 'catchUpLimit')) {
    if (typeof catchUpLimit !== 'number' || !Number.isInteger(catchUpLimit) || catchUpLimit < 1 || catchUpLimit > MAX_ENUMERATED_FIRES) {
      report(errors, childPath(path, 'catchUpLimit'), `catchUpLimit must be an integer from 1 to ${MAX_ENUMERATED_FIRES}`);
    } else if (misfire !== 'catchUp') {
      report(errors, childPath(path, 'catchUpLimit'), 'catchUpLimit applies to misfire: catchUp only');
    }
  }
  const jitter = optionalDuration(raw, 'jitter', path, errors, { positive: true });
  if (errors.length > before || schedule === undefined) return undefined;
  return compact({ schedule, timezone, input, misfire, catchUpLimit: catchUpLimit as number | undefined, overlap, jitter });
}

function oneOf(
  raw: Record<string, unknown>,
  field: string,
  allowed: readonly string[],
  path: string,
  errors: FieldError[],
): string | undefined {
  const value = optionalString(raw, field, path, errors);
  if (value !== undefined && !allowed.includes(value)) {
    report(errors, childPath(path, field), `${field} must be one of ${allowed.join(', ')}`);
    return undefined;
  }
  return value;
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

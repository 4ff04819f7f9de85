import { NOTIFICATION_EVENTS } from './definition.constants';
import type { FieldError, NotificationEvent, NotificationRule } from './definition.types';
import { expressionErrorsIn } from './expressions';
import { childPath } from './field-path';
import {
  checkKnownFields,
  compact,
  has,
  isHttpUrl,
  isRecord,
  optionalString,
  optionalStringMap,
  report,
  requiredString,
} from './validation-helpers';

const NOTIFICATION_FIELDS = ['on', 'webhook'];
const WEBHOOK_FIELDS = ['url', 'secret', 'headers'];

/** The `notifications` list of webhook rules. */
export function validateNotifications(value: unknown, path: string, errors: FieldError[]): NotificationRule[] | undefined {
  if (!Array.isArray(value)) {
    report(errors, path, 'notifications must be an array');
    return undefined;
  }
  const before = errors.length;
  const rules = value.map((raw, index) => validateRule(raw, childPath(path, index), errors));
  const valid = rules.filter((rule): rule is NotificationRule => rule !== undefined);
  return errors.length === before ? valid : undefined;
}

function validateRule(raw: unknown, path: string, errors: FieldError[]): NotificationRule | undefined {
  if (!isRecord(raw)) {
    report(errors, path, 'notification must be an object');
    return undefined;
  }
  checkKnownFields(raw, NOTIFICATION_FIELDS, path, errors);
  const on = checkOn(raw, path, errors);
  const webhook = checkWebhook(raw, path, errors);
  return on === undefined || webhook === undefined ? undefined : { on, webhook };
}

function checkOn(rule: Record<string, unknown>, path: string, errors: FieldError[]): NotificationEvent[] | undefined {
  const onPath = childPath(path, 'on');
  const on = rule.on;
  if (!Array.isArray(on) || on.length === 0) {
    report(errors, onPath, `on must be a non-empty array of ${NOTIFICATION_EVENTS.join(', ')}`);
    return undefined;
  }
  const before = errors.length;
  on.forEach((event: unknown, index) => {
    if (typeof event !== 'string' || !NOTIFICATION_EVENTS.includes(event)) {
      report(
        errors,
        childPath(onPath, index),
        `unknown notification event '${String(event)}'; expected one of ${NOTIFICATION_EVENTS.join(', ')}`,
      );
    }
  });
  return errors.length === before ? (on as NotificationEvent[]) : undefined;
}

function checkWebhook(rule: Record<string, unknown>, path: string, errors: FieldError[]): NotificationRule['webhook'] | undefined {
  const webhookPath = childPath(path, 'webhook');
  if (!has(rule, 'webhook')) {
    report(errors, webhookPath, 'webhook is required');
    return undefined;
  }
  const webhook = rule.webhook;
  if (!isRecord(webhook)) {
    report(errors, webhookPath, 'webhook must be an object');
    return undefined;
  }
  checkKnownFields(webhook, WEBHOOK_FIELDS, webhookPath, errors);
  const url = requiredString(webhook, 'url', webhookPath, errors);
  if (url !== undefined && !isHttpUrl(url)) {
    report(errors, childPath(webhookPath, 'url'), `url must be an http(s) URL, got '${url}'`);
  }
  const secret = optionalString(webhook, 'secret', webhookPath, errors);
  if (secret !== undefined) {
    errors.push(...expressionErrorsIn(secret, childPath(webhookPath, 'secret')));
  }
  const headers = optionalStringMap(webhook, 'headers', webhookPath, errors);
  return url === undefined ? undefined : compact({ url, secret, headers });
}

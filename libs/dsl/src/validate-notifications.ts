import { isInternalSubject, isNatsSubject, NOTIFICATION_EVENTS } from './definition.constants';
import {
  NOTIFICATION_CHANNELS,
  type ChatChannel,
  type EmailChannel,
  type FieldError,
  type NatsChannel,
  type NotificationEvent,
  type NotificationRule,
  type WebhookChannel,
} from './definition.types';
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
  type Fields,
} from './validation-helpers';

const RULE_FIELDS = ['on', ...NOTIFICATION_CHANNELS];
/** Deliberately simple: the SMTP server has the last word on an address. */
const EMAIL_ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** The `notifications` list of a definition. */
export function validateNotifications(value: unknown, path: string, errors: FieldError[]): NotificationRule[] | undefined {
  if (!Array.isArray(value)) {
    report(errors, path, 'notifications must be an array');
    return undefined;
  }
  const before = errors.length;
  const rules = value.map((raw, index) => validateNotificationRule(raw, childPath(path, index), errors));
  const valid = rules.filter((rule): rule is NotificationRule => rule !== undefined);
  return errors.length === before ? valid : undefined;
}

/**
 * One rule: `on` and exactly one channel. `extraFields` are allowed beside them (a global rule's
 * `workflows`); the caller checks those.
 */
export function validateNotificationRule(
  raw: unknown,
  path: string,
  errors: FieldError[],
  extraFields: readonly string[] = [],
): NotificationRule | undefined {
  if (!isRecord(raw)) {
    report(errors, path, 'notification must be an object');
    return undefined;
  }
  checkKnownFields(raw, [...RULE_FIELDS, ...extraFields], path, errors);
  const before = errors.length;
  const on = checkOn(raw, path, errors);
  const present = NOTIFICATION_CHANNELS.filter((channel) => has(raw, channel));
  if (present.length !== 1) {
    report(
      errors,
      path,
      present.length === 0
        ? `a notification needs one channel: ${NOTIFICATION_CHANNELS.join(', ')}`
        : `a notification has exactly one channel, got ${present.join(' and ')}`,
    );
    return undefined;
  }
  const channel = present[0];
  const channelPath = childPath(path, channel);
  const config = raw[channel];
  if (!isRecord(config)) {
    report(errors, channelPath, `${channel} must be an object`);
    return undefined;
  }
  const checked = CHANNEL_CHECKS[channel](config, channelPath, errors);
  return on === undefined || checked === undefined || errors.length !== before ? undefined : { on, [channel]: checked };
}

type ChannelCheck = (config: Fields, path: string, errors: FieldError[]) => object | undefined;

const CHANNEL_CHECKS: Record<(typeof NOTIFICATION_CHANNELS)[number], ChannelCheck> = {
  webhook: checkWebhook,
  chat: (config, path, errors): ChatChannel | undefined => {
    checkKnownFields(config, ['url'], path, errors);
    const url = httpUrl(config, path, errors);
    return url === undefined ? undefined : { url };
  },
  email: (config, path, errors): EmailChannel | undefined => {
    checkKnownFields(config, ['to'], path, errors);
    const toPath = childPath(path, 'to');
    const to = typeof config.to === 'string' ? [config.to] : config.to;
    if (!Array.isArray(to) || to.length === 0) {
      report(errors, toPath, 'to must be an e-mail address or a non-empty list of them');
      return undefined;
    }
    const before = errors.length;
    to.forEach((address: unknown, index) => {
      if (typeof address !== 'string' || !EMAIL_ADDRESS.test(address)) {
        report(errors, Array.isArray(config.to) ? childPath(toPath, index) : toPath, `'${String(address)}' is not an e-mail address`);
      }
    });
    return errors.length === before ? { to: to as string[] } : undefined;
  },
  nats: (config, path, errors): NatsChannel | undefined => {
    checkKnownFields(config, ['subject'], path, errors);
    const subject = requiredString(config, 'subject', path, errors);
    if (subject !== undefined && !isNatsSubject(subject)) {
      report(errors, childPath(path, 'subject'), `subject must be a NATS subject without wildcards, e.g. ops.alerts, got '${subject}'`);
      return undefined;
    }
    if (subject !== undefined && isInternalSubject(subject)) {
      report(errors, childPath(path, 'subject'), `subject '${subject}' is internal to Baton; use baton.events.<type> or your own subjects`);
      return undefined;
    }
    return subject === undefined ? undefined : { subject };
  },
};

function checkOn(rule: Fields, path: string, errors: FieldError[]): NotificationEvent[] | undefined {
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

function checkWebhook(webhook: Fields, path: string, errors: FieldError[]): WebhookChannel | undefined {
  checkKnownFields(webhook, ['url', 'secret', 'headers'], path, errors);
  const url = httpUrl(webhook, path, errors);
  const secret = optionalString(webhook, 'secret', path, errors);
  if (secret !== undefined) {
    errors.push(...expressionErrorsIn(secret, childPath(path, 'secret')));
  }
  const headers = optionalStringMap(webhook, 'headers', path, errors);
  return url === undefined ? undefined : compact({ url, secret, headers });
}

function httpUrl(config: Fields, path: string, errors: FieldError[]): string | undefined {
  const url = requiredString(config, 'url', path, errors);
  if (url !== undefined && !isHttpUrl(url)) {
    report(errors, childPath(path, 'url'), `url must be an http(s) URL, got '${url}'`);
    return undefined;
  }
  return url;
}

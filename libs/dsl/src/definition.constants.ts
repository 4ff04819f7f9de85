/** Rules of the workflow language shared by the validator and by services that check the same shapes. */

export const WORKFLOW_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;

export const STEP_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Step ids become keys of plain objects downstream (`steps.<id>.output` in the scope, maps
 * keyed by id); these would collide with `Object.prototype` and invite prototype pollution.
 */
export const RESERVED_STEP_IDS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** A CloudEvent type as matched against `baton.events.<type>`: dot-separated tokens, no wildcards. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export const TASK_TYPE_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Task types served by built-in step types; a `task` step may not impersonate them. */
export const RESERVED_TASK_TYPES: readonly string[] = ['http', 'publish'];

export const HTTP_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** The most items a `forEach` step may fan out to (DESIGN.md §5: limits on fan-out). */
export const MAX_FOREACH_ITEMS = 1000;
export const MAX_FOREACH_CONCURRENCY = 100;

/** The run endings a notification rule can react to. */
export const NOTIFICATION_EVENTS: readonly string[] = [
  'completed',
  'failed',
  'compensated',
  'cancelled',
  'timed_out',
  'sla_at_risk',
  'sla_breached',
  'approval_requested',
];

export const BACKOFF_KINDS: readonly string[] = ['fixed', 'exponential'];

export const MAX_STEPS = 500;

/** How deep sub-workflows may nest (a child's child's …): a workflow that starts itself stops here. */
export const MAX_SUBWORKFLOW_DEPTH = 10;

export const MIN_RETRY_ATTEMPTS = 1;
export const MAX_RETRY_ATTEMPTS = 100;

/** Baton's own subjects other than `baton.events.>`: a workflow publishing there could forge commands or results. */
export function isInternalSubject(subject: string): boolean {
  return subject.startsWith('baton.') && !subject.startsWith('baton.events.');
}

/** True for a concrete NATS subject: dot-separated non-empty tokens, no whitespace, no `*` or `>` wildcards. */
export function isNatsSubject(subject: string): boolean {
  return subject.split('.').every((token) => token.length > 0 && !/[\s*>]/.test(token));
}

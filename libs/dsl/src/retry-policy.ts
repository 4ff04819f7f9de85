import type { CatchRoute, RetryPolicy, StepDefinition } from './definition.types';
import { parseDuration } from './duration';

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  backoff: 'fixed',
  initialInterval: '1s',
});

/**
 * The longest delay ever returned: exponential back-off without `maxInterval` would otherwise
 * grow past what timers (and `Date`) can represent. It is the largest `setTimeout` delay (~24.8 days).
 */
export const MAX_RETRY_DELAY_MS = 2 ** 31 - 1;

/** The step's retry policy with defaults filled in, or the default policy when it has none. */
export function retryPolicyOf(step: Pick<StepDefinition, 'retry'>): RetryPolicy {
  if (step.retry === undefined) {
    return { ...DEFAULT_RETRY_POLICY };
  }
  // Validation fills these in; the fallbacks cover policies built by hand.
  const { backoff, initialInterval } = step.retry as Partial<RetryPolicy>;
  return {
    ...step.retry,
    backoff: backoff ?? DEFAULT_RETRY_POLICY.backoff,
    initialInterval: initialInterval ?? DEFAULT_RETRY_POLICY.initialInterval,
  };
}

/**
 * How long to wait after attempt `failedAttempt` (1-based) failed before the next one:
 * `initialInterval` for fixed back-off, `initialInterval * 2^(failedAttempt - 1)` for
 * exponential, never more than `maxInterval`. With `jitter`, a fraction from 0.5 to 1 of that,
 * drawn from `jitterSeed` so the same attempt always waits the same time (decisions replay).
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, jitterSeed = ''): number {
  const nominal = nominalDelayMs(policy, failedAttempt);
  return policy.jitter ? Math.round(nominal * (0.5 + 0.5 * unitHash(`${jitterSeed}:${failedAttempt}`))) : nominal;
}

/** Whether an error is worth another attempt under the policy (attempts left are checked by the caller). */
export function isRetryableUnder(policy: RetryPolicy, error: { retryable: boolean; code?: string }): boolean {
  if (policy.retryOn === undefined) return error.retryable;
  return errorCodeMatches(policy.retryOn, error.code);
}

/** Whether an error code matches any of the patterns (`*` is a wildcard); an error without a code matches none. */
export function errorCodeMatches(patterns: readonly string[], code: string | undefined): boolean {
  return code !== undefined && patterns.some((pattern) => globMatches(pattern, code));
}

/** The first `catch` route of a step that takes this error, if any. */
export function catchRouteFor(step: Pick<StepDefinition, 'catch'>, error: { code?: string }): CatchRoute | undefined {
  return step.catch?.find((route) => route.errors === undefined || errorCodeMatches(route.errors, error.code));
}

function globMatches(pattern: string, code: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(code);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** A deterministic number in [0, 1) from a string (FNV-1a). */
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

function nominalDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const initial = durationMs(policy.initialInterval, 'initialInterval');
  const attempt = Math.max(1, Math.floor(failedAttempt));
  const delay = policy.backoff === 'exponential' ? initial * 2 ** (attempt - 1) : initial;
  const cap =
    policy.maxInterval === undefined ? MAX_RETRY_DELAY_MS : Math.min(durationMs(policy.maxInterval, 'maxInterval'), MAX_RETRY_DELAY_MS);
  return Math.min(delay, cap);
}

// Policies are validated with their definition, so a bad duration here is a programming error.
function durationMs(text: string, field: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new Error(`invalid retry ${field} '${text}'`);
  }
  return ms;
}

import { parseDuration } from '@baton/dsl';

/**
 * Milliseconds in a step's duration field, or `defaultMs` when the field is absent.
 * Definitions are validated when registered, so an unparsable duration here is a programming
 * error rather than a step failure (the same stance as `retryDelayMs` in @baton/dsl).
 */
export function durationMsOrDefault(text: string | undefined, defaultMs: number): number {
  if (text === undefined) {
    return defaultMs;
  }
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new Error(`invalid duration '${text}' in a validated definition`);
  }
  return ms;
}

/** A waiting step's deadline: `{ until }` an ISO instant `timeout` after `now`, or nothing without a timeout. */
export function deadlineAfter(timeout: string | undefined, now: Date): { until?: string } {
  return timeout === undefined ? {} : { until: new Date(now.getTime() + durationMsOrDefault(timeout, 0)).toISOString() };
}

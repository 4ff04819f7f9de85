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

const MS_PER: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

// Units must appear largest first and at most once, so `1h30m` is accepted and `30m1h` is not.
const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS_IN_ORDER = ['d', 'h', 'm', 's', 'ms'] as const;

/** A human hint for error messages. */
export const DURATION_EXAMPLES = '500ms, 30s, 5m, 1h, 2d or 1h30m';

/**
 * Milliseconds in a duration such as `500ms`, `30s`, `5m`, `1h`, `2d` or `1h30m`
 * (whole numbers, units largest first); `undefined` when the text is not one.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (text.length === 0 || match === null) {
    return undefined;
  }
  let total = 0;
  UNITS_IN_ORDER.forEach((unit, index) => {
    const amount = match[index + 1];
    if (amount !== undefined) {
      total += Number(amount) * MS_PER[unit];
    }
  });
  return Number.isSafeInteger(total) ? total : undefined;
}

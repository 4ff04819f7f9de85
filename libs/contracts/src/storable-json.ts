import type { FieldError } from '@baton/dsl';

const NUL = '\u0000';

/**
 * Paths of strings (and keys) holding U+0000. PostgreSQL text and jsonb cannot store that
 * character, so such values are refused at the edge with their paths instead of failing later.
 */
export function nulCharacterErrors(value: unknown, path = ''): FieldError[] {
  if (typeof value === 'string')
    return value.includes(NUL) ? [{ path, message: 'contains the U+0000 character, which cannot be stored' }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => nulCharacterErrors(item, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const child = path ? `${path}.${key}` : key;
      return [
        ...(key.includes(NUL) ? [{ path: child, message: 'key contains the U+0000 character' }] : []),
        ...nulCharacterErrors(item, child),
      ];
    });
  }
  return [];
}

/** Replaces U+0000 with U+FFFD so a diagnostic (a rejected body, an error message) can always be stored. */
export function storableText(text: string): string {
  return text.replaceAll(NUL, '\uFFFD');
}

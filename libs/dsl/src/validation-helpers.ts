import type { FieldError } from './definition.types';
import { DURATION_EXAMPLES, parseDuration } from './duration';
import { expressionErrorsIn } from './expressions';
import { childPath } from './field-path';
import { hasExpressions } from './template-syntax';

/** Building blocks of the validator: each check reports into `errors` and returns the accepted value. */

export type Fields = Record<string, unknown>;

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(object: Fields, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key) && object[key] !== undefined;
}

export function report(errors: FieldError[], path: string, message: string): void {
  errors.push({ path, message });
}

/** Strictness catches typos such as `retyr` or `need` that would otherwise be silently ignored. */
export function checkKnownFields(object: Fields, allowed: readonly string[], path: string, errors: FieldError[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      report(errors, childPath(path, key), `unknown field '${key}'`);
    }
  }
}

/** Drops keys whose value is undefined, so normalised definitions carry only what was given. */
export function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

export function optionalString(object: Fields, key: string, path: string, errors: FieldError[]): string | undefined {
  if (!has(object, key)) {
    return undefined;
  }
  const value = object[key];
  if (typeof value !== 'string') {
    report(errors, childPath(path, key), `${key} must be a string`);
    return undefined;
  }
  return value;
}

export function optionalBoolean(object: Fields, key: string, path: string, errors: FieldError[]): boolean | undefined {
  if (!has(object, key)) {
    return undefined;
  }
  const value = object[key];
  if (typeof value !== 'boolean') {
    report(errors, childPath(path, key), `${key} must be true or false`);
    return undefined;
  }
  return value;
}

export function requiredString(
  object: Fields,
  key: string,
  path: string,
  errors: FieldError[],
  requiredMessage = `${key} is required`,
): string | undefined {
  if (!has(object, key)) {
    report(errors, childPath(path, key), requiredMessage);
    return undefined;
  }
  return optionalString(object, key, path, errors);
}

/** A duration field; `positive` rejects `0s` where zero would make no sense (timeouts). */
export function optionalDuration(
  object: Fields,
  key: string,
  path: string,
  errors: FieldError[],
  options: { positive: boolean },
): string | undefined {
  const text = optionalString(object, key, path, errors);
  if (text === undefined) {
    return undefined;
  }
  const ms = parseDuration(text);
  if (ms === undefined) {
    report(errors, childPath(path, key), `invalid duration '${text}'; expected e.g. ${DURATION_EXAMPLES}`);
    return undefined;
  }
  if (options.positive && ms === 0) {
    report(errors, childPath(path, key), `${key} must be longer than zero`);
    return undefined;
  }
  return text;
}

/** A template field: any JSON value whose `${ }` expressions must all compile. */
export function optionalTemplate(object: Fields, key: string, path: string, errors: FieldError[]): unknown {
  if (!has(object, key)) {
    return undefined;
  }
  errors.push(...expressionErrorsIn(object[key], childPath(path, key)));
  return object[key];
}

/** An object whose values are template strings (HTTP headers). */
export function optionalStringMap(object: Fields, key: string, path: string, errors: FieldError[]): Record<string, string> | undefined {
  if (!has(object, key)) {
    return undefined;
  }
  const value = object[key];
  const mapPath = childPath(path, key);
  if (!isRecord(value)) {
    report(errors, mapPath, `${key} must be an object of strings`);
    return undefined;
  }
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'string') {
      errors.push(...expressionErrorsIn(item, childPath(mapPath, name)));
    } else {
      report(errors, childPath(mapPath, name), `${key} values must be strings`);
    }
  }
  return value as Record<string, string>;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A URL template: expressions must compile; a literal (expression-free) URL must be http(s). */
export function checkUrlTemplate(url: string, path: string, errors: FieldError[]): void {
  if (hasExpressions(url)) {
    errors.push(...expressionErrorsIn(url, path));
  } else if (!isHttpUrl(url)) {
    report(errors, path, `url must be an http(s) URL, got '${url}'`);
  }
}

import type { FieldError } from '@baton/dsl';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Flattens class-validator's tree into `{path, message}` pairs with dotted paths. */
export function fieldErrorsOf(errors: ValidationError[], parentPath = ''): FieldError[] {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...fieldErrorsOf(error.children ?? [], path)];
  });
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Validates an untrusted plain value against a DTO class, whitelisting its declared fields. */
export function validatePlain<T extends object>(dto: new () => T, plain: unknown): Validated<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, errors: [{ path: '', message: 'expected a JSON object' }] };
  }
  const instance = plainToInstance(dto, plain);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  return errors.length === 0 ? { ok: true, value: instance } : { ok: false, errors: fieldErrorsOf(errors) };
}

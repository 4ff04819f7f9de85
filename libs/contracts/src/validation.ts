import type { FieldError } from '@baton/dsl';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { nulCharacterErrors } from './storable-json';

/** Flattens class-validator's tree into `{path, message}` pairs with dotted paths. */
export function fieldErrorsOf(errors: ValidationError[], parentPath = ''): FieldError[] {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...fieldErrorsOf(error.children ?? [], path)];
  });
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Validates an untrusted plain value against a DTO class (and refuses what PostgreSQL cannot store). */
export function validatePlain<T extends object>(dto: new () => T, plain: unknown): Validated<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, errors: [{ path: '', message: 'expected a JSON object' }] };
  }
  const instance = plainToInstance(dto, plain);
  const errors = [...fieldErrorsOf(validateSync(instance, { whitelist: true, forbidUnknownValues: true })), ...nulCharacterErrors(plain)];
  return errors.length === 0 ? { ok: true, value: instance } : { ok: false, errors };
}

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldError } from './definition.types';

// One compiler for the process; `allErrors` so a caller learns every violation at once.
const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** Problems that make `schema` unusable as a JSON Schema, reported at `path`. */
export function inputSchemaErrors(schema: Record<string, unknown>, path: string): FieldError[] {
  try {
    ajv.compile(schema);
    return [];
  } catch (error) {
    return [{ path, message: `not a valid JSON Schema: ${(error as Error).message}` }];
  }
}

/** Every violation of the definition's input schema by a run input, with the path inside `input`. */
export function inputViolations(schema: Record<string, unknown> | undefined, input: unknown): FieldError[] {
  if (!schema) return [];
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate(input) ? [] : (validate.errors ?? []).map(toFieldError);
}

function toFieldError(error: ErrorObject): FieldError {
  const pointer = error.instancePath
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = error.keyword === 'required' ? [(error.params as { missingProperty: string }).missingProperty] : [];
  const path = ['input', ...pointer, ...missing]
    .map((token) => (/^\d+$/.test(token) ? `[${token}]` : `.${token}`))
    .join('')
    .slice(1);
  return { path: path.replace(/\.\[/g, '['), message: error.message ?? 'is invalid' };
}

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldError } from './definition.types';

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * A compiler per schema: Ajv registers every schema it compiles (by `$id` too), so a shared one
 * would refuse the next version of a definition with the same `$id` and keep every schema alive.
 * `allErrors`, so a caller learns every violation at once.
 */
function compile(schema: Record<string, unknown>): ValidateFunction {
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** Problems that make `schema` unusable as a JSON Schema, reported at `path`. */
export function inputSchemaErrors(schema: Record<string, unknown>, path: string): FieldError[] {
  try {
    compile(schema);
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
    validate = compile(schema);
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

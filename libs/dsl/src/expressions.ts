import jsonata from 'jsonata';
import type { FieldError, Scope } from './definition.types';
import { childPath } from './field-path';
import { scanTemplate, soleExpression } from './template-syntax';

/** Bounds on a single expression evaluation. */
export interface ExpressionLimits {
  /** Wall-clock budget per expression, in milliseconds. */
  timeoutMs?: number;
  /** Maximum nesting of JSONata evaluation (deep or runaway recursion). */
  maxDepth?: number;
  /** Largest result, in bytes of its JSON: results become run state, which must stay storable and quick to load. */
  maxResultBytes?: number;
}

export const DEFAULT_EXPRESSION_LIMITS: Readonly<Required<ExpressionLimits>> = Object.freeze({
  timeoutMs: 1000,
  maxDepth: 500,
  maxResultBytes: 1024 * 1024,
});

/** Compiled expressions kept at most; the least recently used one is evicted first. */
export const EXPRESSION_CACHE_SIZE = 1000;

export type ExpressionErrorKind = 'compile' | 'runtime' | 'limit';

/** A JSONata expression that did not compile, failed while evaluating, or broke a limit. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';

  constructor(
    /** The expression source, without `${ }`. */
    readonly expression: string,
    readonly kind: ExpressionErrorKind,
    message: string,
    /** JSONata's error code (`S0201`, `T2002`, `D1012`, …) when it gave one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

// JSONata reports breaches of its own guardrails with these codes.
const LIMIT_CODES: ReadonlySet<string> = new Set(['D1011', 'D1012']);

const cache = new Map<string, jsonata.Expression>();

/**
 * Evaluates a template against a scope: objects and arrays are walked; a string that is exactly
 * `${ expr }` becomes the expression's value with its type; `${ }` inside a longer string is
 * interpolated (strings as-is, other values as JSON, undefined as ''); anything else is returned
 * unchanged. Object keys whose value is undefined are dropped; undefined array items become null.
 * Values taken from the scope are never evaluated again, whatever text they contain.
 */
export async function evaluateTemplate(template: unknown, scope: Scope, limits?: ExpressionLimits): Promise<unknown> {
  if (typeof template === 'string') {
    return evaluateString(template, scope, limits);
  }
  if (Array.isArray(template)) {
    const items: unknown[] = [];
    for (const item of template) {
      items.push((await evaluateTemplate(item, scope, limits)) ?? null);
    }
    return items;
  }
  if (isPlainObject(template)) {
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(template)) {
      const evaluated = await evaluateTemplate(value, scope, limits);
      if (evaluated !== undefined) {
        entries.push([key, evaluated]);
      }
    }
    return Object.fromEntries(entries);
  }
  return template;
}

/** Evaluates a bare expression (`filter`, `match`, `when`) and casts the result as JSONata's `$boolean` does. */
export async function evaluateCondition(expression: string, scope: Scope, limits?: ExpressionLimits): Promise<boolean> {
  return isTruthy(await evaluateExpression(expression.trim(), scope, limits));
}

/** Evaluates one bare expression and returns its value as plain JSON (undefined when it has none). */
export async function evaluateExpression(source: string, scope: Scope, limits?: ExpressionLimits): Promise<unknown> {
  const expression = compileExpression(source, limits);
  let result: unknown;
  try {
    result = toPlainJson(await expression.evaluate(scope));
  } catch (error) {
    const { message, code } = describeJsonataError(error);
    const kind = code !== undefined && LIMIT_CODES.has(code) ? 'limit' : 'runtime';
    const verb = kind === 'limit' ? 'was stopped' : 'failed';
    throw new ExpressionError(source, kind, `expression '${abbreviate(source)}' ${verb}: ${message}`, code);
  }
  const maxBytes = limits?.maxResultBytes ?? DEFAULT_EXPRESSION_LIMITS.maxResultBytes;
  const bytes = jsonBytesOver(result, maxBytes);
  if (bytes !== undefined) {
    throw new ExpressionError(
      source,
      'limit',
      `expression '${abbreviate(source)}' was stopped: its result is ${bytes} bytes of JSON, over the limit of ${maxBytes}`,
    );
  }
  return result;
}

/** The UTF-8 size of the value's JSON when it is over `maxBytes`; undefined when within (checked cheaply for small values). */
function jsonBytesOver(value: unknown, maxBytes: number): number | undefined {
  const json = JSON.stringify(value) as string | undefined;
  // A UTF-16 unit takes at most 3 bytes in UTF-8, so short JSON needs no encoding to be known small.
  if (json === undefined || json.length * 3 <= maxBytes) return undefined;
  const bytes = new TextEncoder().encode(json).length;
  return bytes > maxBytes ? bytes : undefined;
}

/**
 * Compile errors of every `${ }` expression in a template, each at the path of the string
 * holding it (`steps[2].with.url`). Nothing is evaluated.
 */
export function expressionErrorsIn(template: unknown, path: string): FieldError[] {
  if (typeof template === 'string') {
    return stringExpressionErrors(template, path);
  }
  if (Array.isArray(template)) {
    return template.flatMap((item, index) => expressionErrorsIn(item, childPath(path, index)));
  }
  if (isPlainObject(template)) {
    return Object.entries(template).flatMap(([key, value]) => expressionErrorsIn(value, childPath(path, key)));
  }
  return [];
}

/** Compile errors of a bare condition expression, at `path`. */
export function conditionErrorsIn(expression: string, path: string): FieldError[] {
  const source = expression.trim();
  if (source.length === 0) {
    return [{ path, message: 'expression must not be empty' }];
  }
  if (source.startsWith('${') && source.endsWith('}')) {
    return [{ path, message: 'conditions are bare expressions; write them without the surrounding ${ }' }];
  }
  return compileErrorAt(source, path);
}

/** JSONata truthiness: undefined, null, false, 0, '', empty arrays/objects and functions are false. */
export function isTruthy(value: unknown): boolean {
  if (isFunctionValue(value)) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.some(isTruthy);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.keys(value).length > 0;
  }
  return Boolean(value);
}

/** JSONata lambdas and built-ins are objects flagged like this (and may hold cyclic environments). */
function isFunctionValue(value: unknown): boolean {
  if (typeof value === 'function') {
    return true;
  }
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const flags = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return flags._jsonata_lambda === true || flags._jsonata_function === true;
}

async function evaluateString(text: string, scope: Scope, limits: ExpressionLimits | undefined): Promise<unknown> {
  const scan = scanTemplate(text);
  if (!scan.ok) {
    throw new ExpressionError(text, 'compile', scan.message);
  }
  const sole = soleExpression(scan.parts);
  if (sole !== undefined) {
    return evaluateExpression(sole, scope, limits);
  }
  let result = '';
  for (const part of scan.parts) {
    result += part.kind === 'text' ? part.text : interpolated(await evaluateExpression(part.source, scope, limits));
  }
  return result;
}

function interpolated(value: unknown): string {
  if (value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function stringExpressionErrors(text: string, path: string): FieldError[] {
  const scan = scanTemplate(text);
  if (!scan.ok) {
    return [{ path, message: scan.message }];
  }
  return scan.parts.flatMap((part) => (part.kind === 'expression' ? compileErrorAt(part.source, path) : []));
}

function compileErrorAt(source: string, path: string): FieldError[] {
  try {
    compileExpression(source);
    return [];
  } catch (error) {
    return [{ path, message: error instanceof ExpressionError ? error.message : String(error) }];
  }
}

/** Compiles through a bounded LRU cache; limits are part of the key because JSONata fixes them at compile time. */
function compileExpression(source: string, limits?: ExpressionLimits): jsonata.Expression {
  const timeout = limits?.timeoutMs ?? DEFAULT_EXPRESSION_LIMITS.timeoutMs;
  const stack = limits?.maxDepth ?? DEFAULT_EXPRESSION_LIMITS.maxDepth;
  const key = `${timeout}:${stack}:${source}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const compiled = compileUncached(source, timeout, stack);
  cache.set(key, compiled);
  if (cache.size > EXPRESSION_CACHE_SIZE) {
    cache.delete(cache.keys().next().value as string);
  }
  return compiled;
}

/**
 * JSONata's `timeout` and `stack` options are its built-in timebox: every evaluation step checks
 * the elapsed time and nesting depth of that evaluation. Unlike assigning `__evaluate_entry`
 * hooks on a shared cached expression, they are per evaluation and so safe when the same
 * compiled expression is evaluated concurrently.
 */
function compileUncached(source: string, timeout: number, stack: number): jsonata.Expression {
  try {
    return jsonata(source, { timeout, stack });
  } catch (error) {
    const { message, code } = describeJsonataError(error);
    throw new ExpressionError(source, 'compile', `invalid expression '${abbreviate(source)}': ${message}`, code);
  }
}

// JSONata throws plain objects ({code, message, position, token}), not Error instances.
function describeJsonataError(error: unknown): { message: string; code?: string } {
  if (typeof error === 'object' && error !== null) {
    const { message, code, position } = error as { message?: unknown; code?: unknown; position?: unknown };
    const text = typeof message === 'string' ? message : String(error);
    const at = typeof position === 'number' && position > 0 ? ` (at character ${position})` : '';
    return { message: `${text}${at}`, code: typeof code === 'string' ? code : undefined };
  }
  return { message: String(error) };
}

function abbreviate(source: string): string {
  return source.length > 80 ? `${source.slice(0, 77)}...` : source;
}

/**
 * JSONata results may be sequences (arrays with extra flags), objects without a prototype, or
 * functions; callers get plain JSON values, copied so that scope data is never shared.
 */
function toPlainJson(value: unknown): unknown {
  if (isFunctionValue(value)) {
    return undefined;
  }
  if (Array.isArray(value)) {
    return value.map((item) => toPlainJson(item) ?? null);
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .map(([key, item]): [string, unknown] => [key, toPlainJson(item)])
      .filter(([, item]) => item !== undefined);
    return Object.fromEntries(entries);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

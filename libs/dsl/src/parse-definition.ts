import { LineCounter, parseDocument } from 'yaml';
import type { FieldError } from './definition.types';
import { childPath } from './field-path';
import { jsonErrorOffset, lineColumnAt } from './json-error-position';

export type DefinitionFormat = 'yaml' | 'json';

export type DefinitionParse = { ok: true; document: unknown } | { ok: false; errors: FieldError[] };

/**
 * Turns definition text into a plain JSON-compatible document, ready for `validateDefinition`.
 * Syntax errors are reported at path '' with their line and column.
 */
export function parseDefinitionText(text: string, format: DefinitionFormat): DefinitionParse {
  return format === 'yaml' ? parseYaml(text) : parseJson(text);
}

function parseJson(text: string): DefinitionParse {
  try {
    return { ok: true, document: JSON.parse(text) as unknown };
  } catch (error) {
    const offset = jsonErrorOffset(text) ?? text.length;
    const { line, column } = lineColumnAt(text, offset);
    const reason = error instanceof Error ? error.message : String(error);
    return failure('', `JSON syntax error at line ${line}, column ${column}: ${reason}`);
  }
}

/**
 * The `yaml` package's default alias limit stays on: it stops "billion laughs" documents that
 * expand a few aliases into gigabytes.
 */
function parseYaml(text: string): DefinitionParse {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { lineCounter, prettyErrors: false });
  if (parsed.errors.length > 0) {
    const errors = parsed.errors.map((error): FieldError => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { path: '', message: `YAML syntax error at line ${line}, column ${col}: ${error.message}` };
    });
    return { ok: false, errors };
  }
  let document: unknown;
  try {
    document = parsed.toJS();
  } catch (error) {
    return failure('', `invalid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const unsupported = nonJsonValuePath(document, '');
  if (unsupported !== undefined) {
    return failure(unsupported, 'unsupported YAML value; only JSON-compatible values (no binary, sets, infinities) are allowed');
  }
  return { ok: true, document };
}

function failure(path: string, message: string): DefinitionParse {
  return { ok: false, errors: [{ path, message }] };
}

/** Path of the first value JSON could not represent, such as a `!!binary` Buffer or `.inf`. */
function nonJsonValuePath(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : path;
  }
  if (Array.isArray(value)) {
    return firstDefined(value.map((item, index) => nonJsonValuePath(item, childPath(path, index))));
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return firstDefined(Object.entries(value).map(([key, item]) => nonJsonValuePath(item, childPath(path, key))));
  }
  return path;
}

function firstDefined(paths: readonly (string | undefined)[]): string | undefined {
  return paths.find((path) => path !== undefined);
}

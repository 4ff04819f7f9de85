const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The path of a child in the `FieldError.path` notation: `steps[2]`, `steps[2].with.url`, and
 * `with.headers["Content-Type"]` for keys that are not identifiers. `''` is the document root.
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${parent}[${key}]`;
  }
  if (!IDENTIFIER.test(key)) {
    return `${parent}[${JSON.stringify(key)}]`;
  }
  return parent === '' ? key : `${parent}.${key}`;
}

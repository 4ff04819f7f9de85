/** A piece of a template string: literal text, or the source of one `${ }` expression. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expression'; source: string };

export type TemplateScan = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

const OPEN = '${';

/** True when the string contains `${`, i.e. would be treated as a template rather than plain text. */
export function hasExpressions(text: string): boolean {
  return text.includes(OPEN);
}

/**
 * Splits a template string into text and `${ expr }` parts. The closing brace is found by
 * counting braces while skipping JSONata string literals, backtick names and comments, so
 * `${ {"a": "}"} }` is a single expression. Empty text parts are left out.
 */
export function scanTemplate(text: string): TemplateScan {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf(OPEN, cursor);
    if (open === -1) {
      parts.push({ kind: 'text', text: text.slice(cursor) });
      break;
    }
    if (open > cursor) {
      parts.push({ kind: 'text', text: text.slice(cursor, open) });
    }
    const close = findClosingBrace(text, open + OPEN.length);
    if (close === -1) {
      return { ok: false, message: `unterminated expression: '${OPEN}' at offset ${open} has no matching '}'` };
    }
    const source = text.slice(open + OPEN.length, close).trim();
    if (source.length === 0) {
      return { ok: false, message: `empty expression '${OPEN} }' at offset ${open}` };
    }
    parts.push({ kind: 'expression', source });
    cursor = close + 1;
  }
  return { ok: true, parts };
}

/** The expression source when the whole string is exactly one `${ expr }`, else undefined. */
export function soleExpression(parts: readonly TemplatePart[]): string | undefined {
  const [first] = parts;
  return parts.length === 1 && first.kind === 'expression' ? first.source : undefined;
}

function findClosingBrace(text: string, start: number): number {
  let depth = 1;
  let index = start;
  while (index < text.length) {
    const char = text[index];
    if (char === '"' || char === "'" || char === '`') {
      index = skipQuoted(text, index);
      continue;
    }
    if (text.startsWith('/*', index)) {
      const end = text.indexOf('*/', index + 2);
      index = end === -1 ? text.length : end + 2;
      continue;
    }
    if (char === '{') {
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
      if (depth === 0) {
        return index;
      }
    }
    index += 1;
  }
  return -1;
}

/** Index just past the literal opened at `start`; backslash escapes apply inside quotes only. */
function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  let index = start + 1;
  while (index < text.length && text[index] !== quote) {
    index += quote !== '`' && text[index] === '\\' ? 2 : 1;
  }
  return index + 1;
}

import { describe, expect, it } from 'vitest';
import { scanTemplate, soleExpression } from './template-syntax';

describe('scanTemplate', () => {
  it('returns plain text as a single text part', () => {
    expect(scanTemplate('hello')).toEqual({ ok: true, parts: [{ kind: 'text', text: 'hello' }] });
  });

  it('splits text and expressions, trimming expression sources', () => {
    expect(scanTemplate('a ${ x } b ${y}')).toEqual({
      ok: true,
      parts: [
        { kind: 'text', text: 'a ' },
        { kind: 'expression', source: 'x' },
        { kind: 'text', text: ' b ' },
        { kind: 'expression', source: 'y' },
      ],
    });
  });

  it('counts nested braces and ignores braces in string literals, backtick names and comments', () => {
    const cases: [string, string][] = [
      ['${ {"a": 1} }', '{"a": 1}'],
      ['${ {"a": "}"} }', '{"a": "}"}'],
      ["${ '}' & x }", "'}' & x"],
      ['${ "\\"}" }', '"\\"}"'],
      ['${ `a}b` }', '`a}b`'],
      ['${ x /* } */ }', 'x /* } */'],
      ['${ {"a": {"b": [1, {"c": 2}]}} }', '{"a": {"b": [1, {"c": 2}]}}'],
    ];
    for (const [template, source] of cases) {
      const scan = scanTemplate(template);
      expect(scan.ok && soleExpression(scan.parts)).toBe(source);
    }
  });

  it('reports an unterminated expression', () => {
    expect(scanTemplate('x ${ a ')).toEqual({ ok: false, message: expect.stringContaining('unterminated') });
    expect(scanTemplate('${ "}" ')).toMatchObject({ ok: false });
  });

  it('reports an empty expression', () => {
    expect(scanTemplate('${   }')).toEqual({ ok: false, message: expect.stringContaining('empty expression') });
  });

  it('finds the sole expression only when it spans the whole string', () => {
    const sole = (text: string): string | undefined => {
      const scan = scanTemplate(text);
      return scan.ok ? soleExpression(scan.parts) : undefined;
    };
    expect(sole('${ a }')).toBe('a');
    expect(sole(' ${ a }')).toBeUndefined();
    expect(sole('${ a }${ b }')).toBeUndefined();
    expect(sole('$ {a}')).toBeUndefined();
  });
});

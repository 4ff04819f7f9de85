import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, lineColumnAt } from './json-error-position';
import { parseDefinitionText } from './parse-definition';

describe('parseDefinitionText (YAML)', () => {
  it('parses a YAML document into plain values', () => {
    const text = 'name: demo\nsteps:\n  - id: a\n    type: transform\n    output: { total: "${ input.a + input.b }" }\n';
    expect(parseDefinitionText(text, 'yaml')).toEqual({
      ok: true,
      document: { name: 'demo', steps: [{ id: 'a', type: 'transform', output: { total: '${ input.a + input.b }' } }] },
    });
  });

  it('keeps YAML 1.2 scalars as they are written (no date or sexagesimal surprises)', () => {
    expect(parseDefinitionText('a: 2026-01-01\nb: 1:30\nc: "01"\nd: true\n', 'yaml')).toEqual({
      ok: true,
      document: { a: '2026-01-01', b: '1:30', c: '01', d: true },
    });
  });

  it('reports syntax errors at the root path with line and column', () => {
    const result = parseDefinitionText('name: demo\nsteps: [1, 2\n', 'yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0].path).toBe('');
      expect(result.errors[0].message).toMatch(/^YAML syntax error at line \d+, column \d+: /);
    }
  });

  it('reports duplicate keys with their position', () => {
    expect(parseDefinitionText('name: a\nname: b\n', 'yaml')).toEqual({
      ok: false,
      errors: [{ path: '', message: 'YAML syntax error at line 2, column 1: Map keys must be unique' }],
    });
  });

  it('rejects several documents in one text', () => {
    const result = parseDefinitionText('name: a\n---\nname: b\n', 'yaml');
    expect(result.ok).toBe(false);
  });

  it('rejects an unresolved alias', () => {
    expect(parseDefinitionText('a: *nowhere\n', 'yaml')).toEqual({
      ok: false,
      errors: [{ path: '', message: expect.stringContaining('Unresolved alias') }],
    });
  });

  it('keeps the alias limit that stops exponential expansion', () => {
    let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let previous = 'a';
    for (const name of 'bcdefghi') {
      text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
      previous = name;
    }
    expect(parseDefinitionText(text, 'yaml')).toEqual({
      ok: false,
      errors: [{ path: '', message: expect.stringContaining('Excessive alias count') }],
    });
  });

  it('rejects values JSON cannot hold, at their path', () => {
    expect(parseDefinitionText('steps:\n  - x: .inf\n', 'yaml')).toEqual({
      ok: false,
      errors: [{ path: 'steps[0].x', message: expect.stringContaining('unsupported YAML value') }],
    });
    expect(parseDefinitionText('blob: !!binary aGVsbG8=\n', 'yaml')).toMatchObject({ ok: false, errors: [{ path: 'blob' }] });
  });

  it('parses an empty text to null, which validation then rejects', () => {
    expect(parseDefinitionText('', 'yaml')).toEqual({ ok: true, document: null });
  });
});

describe('parseDefinitionText (JSON)', () => {
  it('parses JSON', () => {
    expect(parseDefinitionText('{"name": "demo", "steps": []}', 'json')).toEqual({ ok: true, document: { name: 'demo', steps: [] } });
  });

  it('reports syntax errors with line and column even when JSON.parse gives no position', () => {
    expect(parseDefinitionText('{\n  "name": "demo",\n  "steps": }', 'json')).toEqual({
      ok: false,
      errors: [{ path: '', message: expect.stringMatching(/^JSON syntax error at line 3, column 12: /) }],
    });
  });

  it('locates a trailing comma and an unterminated document', () => {
    expect(parseDefinitionText('{"a": 1,\n}', 'json')).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining('line 2, column 1') }],
    });
    expect(parseDefinitionText('{"a": [1, 2', 'json')).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining('line 1, column 12') }],
    });
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a":}', 5],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['"\\x"', 1],
    ['"a\u0001"', 2],
    ['01', 1],
    ['tru', 0],
    ['{} x', 3],
    ['', 0],
  ])('finds the error in %j at offset %d', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it('finds nothing wrong in valid JSON', () => {
    expect(jsonErrorOffset(' {"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {}} ')).toBeUndefined();
  });

  it('converts offsets to 1-based lines and columns', () => {
    expect(lineColumnAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumnAt('ab', 0)).toEqual({ line: 1, column: 1 });
  });
});

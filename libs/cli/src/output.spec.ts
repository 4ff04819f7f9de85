import { describe, expect, it } from 'vitest';
import { cell, formatDuration, renderFields, renderJson, renderTable } from './output';

describe('output', () => {
  it('renders cells on one line: - for nothing, lists joined, objects as compact JSON, cut at max', () => {
    expect([undefined, null, ''].map((value) => cell(value))).toEqual(['-', '-', '-']);
    expect(cell(3)).toBe('3');
    expect(cell(false)).toBe('false');
    expect(cell(['failed', 'sla_breached'])).toBe('failed,sla_breached');
    expect(cell({ a: 1, b: [1, 2] })).toBe('{"a":1,"b":[1,2]}');
    expect(cell([{ a: 1 }])).toBe('[{"a":1}]');
    expect(cell('two\n  lines')).toBe('two lines');
    expect(cell('abcdefghij', 5)).toBe('abcd…');
    expect(cell('abcde', 5)).toBe('abcde');
  });

  it('pads each column to its widest cell, headers first, without trailing spaces', () => {
    const rows = [
      { id: 'r-1', status: 'completed', error: undefined },
      { id: 'run-22', status: 'failed', error: 'HTTP 500' },
    ];
    const table = renderTable(rows, [
      { header: 'ID', value: (r) => r.id },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'ERROR', value: (r) => r.error },
    ]);
    expect(table.split('\n')).toEqual(['ID      STATUS     ERROR', 'r-1     completed  -', 'run-22  failed     HTTP 500']);
  });

  it('says (none) under the headers of an empty table', () => {
    expect(renderTable([], [{ header: 'NAME', value: () => 'x' }])).toBe('NAME\n(none)');
  });

  it('aligns field values and leaves out fields without one', () => {
    expect(renderFields({ id: 'r-1', workflow: 'w v1', output: { ok: true }, error: undefined })).toBe(
      'id:        r-1\nworkflow:  w v1\noutput:    {"ok":true}',
    );
  });

  it('renders JSON indented, so that it parses back', () => {
    const value = { items: [{ id: 'a' }], nextCursor: null };
    expect(JSON.parse(renderJson(value))).toEqual(value);
    expect(renderJson(value)).toContain('\n  "items"');
  });

  it('formats durations for people', () => {
    expect([850, 12_340, 61_000, 245_000, 7_800_000].map(formatDuration)).toEqual([
      '850 ms',
      '12.3 s',
      '1 min 1 s',
      '4 min 5 s',
      '2 h 10 min',
    ]);
    expect(formatDuration(2000)).toBe('2 s');
  });
});

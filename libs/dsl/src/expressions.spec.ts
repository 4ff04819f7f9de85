import { describe, expect, it } from 'vitest';
import type { Scope } from './definition.types';
import { ExpressionError, conditionErrorsIn, evaluateCondition, evaluateTemplate, expressionErrorsIn, isTruthy } from './expressions';

const scope: Scope = {
  input: {
    orderId: 'o-1',
    total: 120,
    items: [
      { sku: 'a', qty: 2 },
      { sku: 'b', qty: 1 },
    ],
    flag: false,
    note: null,
  },
  steps: { reserve: { output: { reservationId: 'r-9' } } },
  event: { type: 'order.created', data: { orderId: 'o-1' } },
  run: { id: 'run-1', workflow: 'demo', version: 3 },
  secrets: { token: 's3cret' },
};

async function rejection(promise: Promise<unknown>): Promise<ExpressionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExpressionError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected an ExpressionError');
}

describe('evaluateTemplate', () => {
  it('gives an exact ${ expr } string the value of the expression with its type', async () => {
    expect(await evaluateTemplate('${ input.total }', scope)).toBe(120);
    expect(await evaluateTemplate('${input.flag}', scope)).toBe(false);
    expect(await evaluateTemplate('${   input.note   }', scope)).toBeNull();
    expect(await evaluateTemplate('${ input.items[0] }', scope)).toEqual({ sku: 'a', qty: 2 });
    expect(await evaluateTemplate('${ input.items.sku }', scope)).toEqual(['a', 'b']);
    expect(await evaluateTemplate('${ input.missing }', scope)).toBeUndefined();
  });

  it('reads every part of the scope', async () => {
    const template = {
      reservation: '${ steps.reserve.output.reservationId }',
      type: '${ event.type }',
      run: '${ run.workflow & "#" & run.version }',
      auth: 'Bearer ${ secrets.token }',
    };
    expect(await evaluateTemplate(template, scope)).toEqual({
      reservation: 'r-9',
      type: 'order.created',
      run: 'demo#3',
      auth: 'Bearer s3cret',
    });
  });

  it('interpolates expressions inside longer strings', async () => {
    expect(await evaluateTemplate('order ${ input.orderId } costs ${ input.total }', scope)).toBe('order o-1 costs 120');
    expect(await evaluateTemplate('items: ${ input.items.sku }', scope)).toBe('items: ["a","b"]');
    expect(await evaluateTemplate('first: ${ input.items[0] }', scope)).toBe('first: {"sku":"a","qty":2}');
    expect(await evaluateTemplate('[${ input.missing }]', scope)).toBe('[]');
    expect(await evaluateTemplate('flag=${ input.flag }, note=${ input.note }', scope)).toBe('flag=false, note=null');
    expect(await evaluateTemplate(' ${ input.total } ', scope)).toBe(' 120 ');
  });

  it('walks nested objects and arrays, dropping undefined keys and nulling undefined items', async () => {
    const template = {
      order: { id: '${ input.orderId }', lines: ['${ input.items[0].sku }', '${ input.missing }', 7] },
      gone: '${ input.missing }',
      kept: null,
    };
    expect(await evaluateTemplate(template, scope)).toEqual({
      order: { id: 'o-1', lines: ['a', null, 7] },
      kept: null,
    });
  });

  it('returns non-string values unchanged', async () => {
    for (const value of [42, true, null, undefined, 'plain text', '$ {not} an expression']) {
      expect(await evaluateTemplate(value, scope)).toBe(value);
    }
  });

  it('handles braces inside the expression, including inside string literals', async () => {
    expect(await evaluateTemplate('${ {"a": 1} }', scope)).toEqual({ a: 1 });
    expect(await evaluateTemplate('${ {"a": "}", "b": input.total} }', scope)).toEqual({ a: '}', b: 120 });
    expect(await evaluateTemplate("${ '{' & input.orderId & '}' }", scope)).toBe('{o-1}');
    expect(await evaluateTemplate('x${ {"n": {"m": 1}}.n.m }y', scope)).toBe('x1y');
  });

  it('never evaluates values that came from the scope', async () => {
    const untrusted: Scope = { input: { text: '${ 1 + 1 }', nested: { deeper: ['${ secrets.token }'] } }, secrets: { token: 'x' } };
    expect(await evaluateTemplate('${ input.text }', untrusted)).toBe('${ 1 + 1 }');
    expect(await evaluateTemplate('got ${ input.text }', untrusted)).toBe('got ${ 1 + 1 }');
    expect(await evaluateTemplate({ all: '${ input }' }, untrusted)).toEqual({
      all: { text: '${ 1 + 1 }', nested: { deeper: ['${ secrets.token }'] } },
    });
  });

  it('returns plain JSON copies, not JSONata sequences or the scope objects themselves', async () => {
    const skus = await evaluateTemplate('${ input.items.sku }', scope);
    expect(Array.isArray(skus)).toBe(true);
    expect(Object.keys(skus as object)).toEqual(['0', '1']);
    const built = await evaluateTemplate('${ {"a": 1} }', scope);
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    const items = (await evaluateTemplate('${ input.items }', scope)) as { qty: number }[];
    items[0].qty = 99;
    expect(await evaluateTemplate('${ input.items[0].qty }', scope)).toBe(2);
  });

  it('drops functions, which have no JSON value', async () => {
    expect(await evaluateTemplate('${ function($x) { $x } }', scope)).toBeUndefined();
  });

  it('throws ExpressionError for a template that does not compile', async () => {
    const error = await rejection(evaluateTemplate({ a: '${ input. }' }, scope));
    expect(error.kind).toBe('compile');
    expect(error.expression).toBe('input.');
    expect(error.message).toContain("invalid expression 'input.'");
  });

  it('throws ExpressionError for an unterminated ${', async () => {
    const error = await rejection(evaluateTemplate('x ${ input.total', scope));
    expect(error.kind).toBe('compile');
    expect(error.message).toContain('unterminated');
  });

  it('throws ExpressionError on runtime errors', async () => {
    const error = await rejection(evaluateTemplate('${ input.orderId + 1 }', scope));
    expect(error.kind).toBe('runtime');
    expect(error.code).toBe('T2001');
    expect(error.expression).toBe('input.orderId + 1');
    expect(error).toBeInstanceOf(Error);
  });

  it('keeps working past the compile cache size', async () => {
    for (let n = 0; n < 1100; n += 1) {
      expect(await evaluateTemplate(`\${ ${n} + 1 }`, {})).toBe(n + 1);
    }
    expect(await evaluateTemplate('${ 0 + 1 }', {})).toBe(1);
  });
});

describe('expression limits', () => {
  it('stops a runaway non-tail recursion at the depth limit', async () => {
    const error = await rejection(evaluateTemplate('${ ($f := function($n) { 1 + $f($n + 1) }; $f(0)) }', scope));
    expect(error.kind).toBe('limit');
    expect(error.code).toBe('D1011');
  });

  it('stops an infinite tail-recursive loop at the time limit', async () => {
    const started = Date.now();
    const error = await rejection(evaluateTemplate('${ ($loop := function($n) { $loop($n + 1) }; $loop(0)) }', scope, { timeoutMs: 200 }));
    expect(error.kind).toBe('limit');
    expect(error.code).toBe('D1012');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('applies the 1000 ms default time limit', async () => {
    const started = Date.now();
    const error = await rejection(evaluateCondition('($loop := function($n) { $loop($n + 1) }; $loop(0))', scope));
    expect(error.code).toBe('D1012');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('honours a custom depth limit', async () => {
    const deep = '${ ($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(50)) }';
    expect(await evaluateTemplate(deep, scope)).toBe(50);
    expect((await rejection(evaluateTemplate(deep, scope, { maxDepth: 20 }))).code).toBe('D1011');
  });

  it('refuses a result over the 1 MiB default size limit, naming its size', async () => {
    const huge = "${ $pad('', 1200000, 'x') }";
    const error = await rejection(evaluateTemplate(huge, scope));
    expect(error.kind).toBe('limit');
    expect(error.message).toMatch(/its result is 1200002 bytes of JSON, over the limit of 1048576/);
  });

  it('counts the UTF-8 bytes of a result against a custom size limit', async () => {
    // 100 × "é" is 100 characters but 200 bytes (plus the two quotes).
    const accents = '${ $join([1..100].("é"), "") }';
    expect(await evaluateTemplate(accents, scope, { maxResultBytes: 202 })).toHaveLength(100);
    expect((await rejection(evaluateTemplate(accents, scope, { maxResultBytes: 201 }))).kind).toBe('limit');
  });
});

describe('evaluateCondition', () => {
  it('evaluates bare expressions over the scope', async () => {
    expect(await evaluateCondition('input.total > 100', scope)).toBe(true);
    expect(await evaluateCondition('event.data.orderId = input.orderId', scope)).toBe(true);
    expect(await evaluateCondition('  input.total < 100  ', scope)).toBe(false);
  });

  it.each([
    ['input.missing', false],
    ['false', false],
    ['null', false],
    ['0', false],
    ["''", false],
    ['[]', false],
    ['{}', false],
    ['[0, false]', false],
    ['function($x) { $x }', false],
    ['true', true],
    ['1', true],
    ["'no'", true],
    ['[0, 1]', true],
    ['{"a": 0}', true],
    ['input.items', true],
  ])('treats %s as %s', async (expression, expected) => {
    expect(await evaluateCondition(expression, scope)).toBe(expected);
  });

  it('throws ExpressionError for a condition that does not compile', async () => {
    expect((await rejection(evaluateCondition('input.total >', scope))).kind).toBe('compile');
  });
});

describe('isTruthy', () => {
  it('follows JSONata $boolean', () => {
    expect([undefined, null, false, 0, '', [], {}, [null, 0]].map(isTruthy)).toEqual(Array(8).fill(false));
    expect([true, -1, 'x', [false, 'x'], { a: null }].map(isTruthy)).toEqual(Array(5).fill(true));
  });
});

describe('expressionErrorsIn', () => {
  it('finds nothing wrong in valid templates or plain values', () => {
    expect(expressionErrorsIn({ a: '${ input.x }', b: ['x ${ y } z', 3, null], c: 'plain' }, 'steps[0].with')).toEqual([]);
  });

  it('reports each broken expression at the path of its string', () => {
    const template = { body: { id: '${ input. }', list: ['ok', 'bad ${ ( }'] }, url: 'x ${ y' };
    const errors = expressionErrorsIn(template, 'steps[2].with');
    expect(errors.map((error) => error.path)).toEqual(['steps[2].with.body.id', 'steps[2].with.body.list[1]', 'steps[2].with.url']);
    expect(errors[0].message).toMatch(/^invalid expression 'input\.': .+/);
    expect(errors[2].message).toContain('unterminated');
  });

  it('uses the root path for a bare string template', () => {
    expect(expressionErrorsIn('${ ] }', 'output')).toEqual([{ path: 'output', message: expect.stringContaining('invalid expression') }]);
  });

  it('quotes keys that are not identifiers', () => {
    expect(expressionErrorsIn({ 'Content-Type': '${ ( }' }, 'h')[0].path).toBe('h["Content-Type"]');
  });
});

describe('conditionErrorsIn', () => {
  it('accepts a valid bare expression', () => {
    expect(conditionErrorsIn('event.data.total > 0', 'triggers[0].filter')).toEqual([]);
  });

  it('rejects a broken expression with the JSONata message', () => {
    expect(conditionErrorsIn('event.data.total >', 'f')).toEqual([
      { path: 'f', message: expect.stringContaining("invalid expression 'event.data.total >'") },
    ]);
  });

  it('explains that conditions are written without ${ }', () => {
    expect(conditionErrorsIn('${ event.data.total > 0 }', 'f')[0].message).toContain('without the surrounding ${ }');
  });
});

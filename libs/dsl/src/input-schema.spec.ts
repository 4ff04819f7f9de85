import { describe, expect, it } from 'vitest';
import { inputSchemaErrors, inputViolations } from './input-schema';
import { validateDefinition } from './validate-definition';

const ORDER_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['orderId', 'items'],
  properties: {
    orderId: { type: 'string' },
    items: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['sku', 'qty'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      },
    },
  },
};

describe('inputSchemaErrors', () => {
  it('accepts a valid JSON Schema', () => {
    expect(inputSchemaErrors(ORDER_SCHEMA, 'input')).toEqual([]);
    expect(inputSchemaErrors({}, 'input')).toEqual([]);
  });

  it('reports an invalid schema once, at the given path, saying what is wrong', () => {
    expect(inputSchemaErrors({ type: 'objec' }, 'input')).toEqual([
      { path: 'input', message: expect.stringMatching(/^not a valid JSON Schema: schema is invalid: data\/type must be/) },
    ]);
    expect(inputSchemaErrors({ type: 'object', required: 'orderId' }, 'workflow.input')).toEqual([
      { path: 'workflow.input', message: 'not a valid JSON Schema: schema is invalid: data/required must be array' },
    ]);
    expect(inputSchemaErrors({ properties: { qty: { minimum: 'one' } } }, 'input')).toEqual([
      { path: 'input', message: 'not a valid JSON Schema: schema is invalid: data/properties/qty/minimum must be number' },
    ]);
  });

  it('is what validateDefinition reports for a bad input schema', () => {
    const result = validateDefinition({
      name: 'demo',
      input: { type: 'object', required: 'orderId' },
      steps: [{ id: 'a', type: 'transform', output: 1 }],
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      { path: 'input', message: 'not a valid JSON Schema: schema is invalid: data/required must be array' },
    ]);
  });
});

describe('inputViolations', () => {
  it('finds nothing for a valid input', () => {
    expect(inputViolations(ORDER_SCHEMA, { orderId: 'o-1', items: [{ sku: 'a', qty: 1 }] })).toEqual([]);
  });

  it('finds nothing when there is no schema, whatever the input', () => {
    expect(inputViolations(undefined, undefined)).toEqual([]);
    expect(inputViolations(undefined, { anything: [1, 2] })).toEqual([]);
    expect(inputViolations(undefined, 'text')).toEqual([]);
  });

  it('reports a missing required property at the path it should have', () => {
    expect(inputViolations(ORDER_SCHEMA, { items: [{ sku: 'a', qty: 1 }] })).toEqual([
      { path: 'input.orderId', message: "must have required property 'orderId'" },
    ]);
  });

  it('reports every violation at once, with array indices in brackets', () => {
    const violations = inputViolations(ORDER_SCHEMA, {
      items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 'two' }, { qty: 0 }],
    });
    expect(violations).toEqual([
      { path: 'input.orderId', message: "must have required property 'orderId'" },
      { path: 'input.items[1].qty', message: 'must be integer' },
      { path: 'input.items[2].sku', message: "must have required property 'sku'" },
      { path: 'input.items[2].qty', message: 'must be >= 1' },
    ]);
  });

  it('reports a wrong top-level type at input itself', () => {
    expect(inputViolations(ORDER_SCHEMA, 'o-1')).toEqual([{ path: 'input', message: 'must be object' }]);
    expect(inputViolations(ORDER_SCHEMA, undefined)).toEqual([{ path: 'input', message: 'must be object' }]);
    expect(inputViolations(ORDER_SCHEMA, { orderId: 'o-1', items: [] })).toEqual([
      { path: 'input.items', message: 'must NOT have fewer than 1 items' },
    ]);
  });

  it('gives the same answer when the same schema is used again', () => {
    const input = { orderId: 7, items: [{ sku: 'a', qty: 1 }] };
    const first = inputViolations(ORDER_SCHEMA, input);
    expect(first).toEqual([{ path: 'input.orderId', message: 'must be string' }]);
    expect(inputViolations(ORDER_SCHEMA, input)).toEqual(first);
    expect(inputViolations(ORDER_SCHEMA, { orderId: 'o-1', items: [{ sku: 'a', qty: 1 }] })).toEqual([]);
  });
});

describe('schemas with an $id', () => {
  it('can be compiled again, as the next version of a definition would be', () => {
    const schema = () => ({ $id: 'https://example.com/order.json', type: 'object', required: ['orderId'] });
    expect(inputSchemaErrors(schema(), 'input')).toEqual([]);
    expect(inputSchemaErrors(schema(), 'input')).toEqual([]);
    expect(inputViolations(schema(), {})).toEqual([expect.objectContaining({ path: 'input.orderId' })]);
    expect(inputViolations(schema(), { orderId: 'o-1' })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { FieldError } from './definition.types';
import { parseDefinitionText } from './parse-definition';
import { validateDefinition } from './validate-definition';

const ORDER_FULFILMENT = `
name: order-fulfilment
description: Reserve, charge, ship
input:
  type: object
  required: [orderId]
  properties: { orderId: { type: string }, total: { type: number } }
triggers:
  - event: order.created
    filter: event.data.total > 0
    input: { orderId: "\${ event.data.orderId }", total: "\${ event.data.total }" }
timeout: 1h
steps:
  - id: reserve
    type: http
    with:
      method: post
      url: http://inventory.local/reserve
      headers: { X-Order: "\${ input.orderId }" }
      body: { orderId: "\${ input.orderId }" }
    retry: { maxAttempts: 5, backoff: exponential, initialInterval: 1s, maxInterval: 1m }
    timeout: 30s
  - id: charge
    type: task
    taskType: charge-card
    needs: [reserve]
    input: { amount: "\${ input.total }" }
    retry: { maxAttempts: 2 }
  - id: summary
    type: transform
    output: { total: "\${ input.total }", reservation: "\${ steps.reserve.output.body.id }" }
  - id: ship
    type: publish
    subject: baton.events.shipment.requested
    data: { orderId: "\${ input.orderId }" }
    needs: [charge]
output: { shipment: "\${ steps.ship.output }" }
notifications:
  - on: [failed, completed]
    webhook: { url: "http://ops.local/hooks/baton", secret: "\${ secrets.opsHook }" }
`;

/** A small valid document to break one field at a time. */
function base(): Record<string, unknown> {
  return {
    name: 'demo',
    steps: [
      { id: 'a', type: 'transform', output: { x: 1 } },
      { id: 'b', type: 'transform', output: { y: '${ steps.a.output.x }' } },
    ],
  };
}

function withStep(step: Record<string, unknown>): Record<string, unknown> {
  return { name: 'demo', steps: [step] };
}

function errorsOf(document: unknown): FieldError[] {
  const result = validateDefinition(document);
  return result.ok ? [] : result.errors;
}

describe('validateDefinition: valid definitions', () => {
  it('accepts a DESIGN.md-like YAML definition and normalises it', () => {
    const parsed = parseDefinitionText(ORDER_FULFILMENT, 'yaml');
    if (!parsed.ok) {
      throw new Error(JSON.stringify(parsed.errors));
    }
    const result = validateDefinition(parsed.document);
    if (!result.ok) {
      throw new Error(JSON.stringify(result.errors));
    }
    const { definition, graph } = result;
    expect(definition.name).toBe('order-fulfilment');
    expect(definition.triggers).toEqual([
      {
        event: 'order.created',
        filter: 'event.data.total > 0',
        input: { orderId: '${ event.data.orderId }', total: '${ event.data.total }' },
      },
    ]);
    expect(definition.steps[0]).toEqual({
      id: 'reserve',
      type: 'http',
      with: {
        method: 'POST',
        url: 'http://inventory.local/reserve',
        headers: { 'X-Order': '${ input.orderId }' },
        body: { orderId: '${ input.orderId }' },
      },
      retry: { maxAttempts: 5, backoff: 'exponential', initialInterval: '1s', maxInterval: '1m' },
      timeout: '30s',
    });
    expect(definition.steps[1].retry).toEqual({ maxAttempts: 2, backoff: 'fixed', initialInterval: '1s' });
    expect(definition.notifications).toEqual([
      { on: ['failed', 'completed'], webhook: { url: 'http://ops.local/hooks/baton', secret: '${ secrets.opsHook }' } },
    ]);
    expect(graph.order).toEqual(['reserve', 'charge', 'summary', 'ship']);
    expect(graph.needs).toEqual({ reserve: [], charge: ['reserve'], summary: ['charge'], ship: ['charge'] });
  });

  it('accepts the same definition as JSON', () => {
    const parsed = parseDefinitionText(JSON.stringify(base()), 'json');
    expect(parsed.ok && validateDefinition(parsed.document).ok).toBe(true);
  });

  it('adds no fields that were not given', () => {
    const result = validateDefinition(base());
    expect(result.ok && result.definition).toEqual(base());
  });

  it('does not share objects with the input document beyond template values', () => {
    const document = base();
    const result = validateDefinition(document);
    expect(result.ok && result.definition.steps).not.toBe(document.steps);
  });
});

describe('validateDefinition: document', () => {
  it.each([null, 'name: x', 42, [base()]])('rejects a non-object document %j at the root', (document) => {
    expect(errorsOf(document)).toEqual([{ path: '', message: 'definition must be an object' }]);
  });

  it('requires a well-formed name', () => {
    expect(errorsOf({ steps: base().steps })).toEqual([{ path: 'name', message: 'name is required' }]);
    expect(errorsOf({ ...base(), name: 7 })).toEqual([{ path: 'name', message: 'name must be a string' }]);
    for (const name of ['Order', '-x', 'a_b', 'a'.repeat(101), '']) {
      expect(errorsOf({ ...base(), name })).toEqual([{ path: 'name', message: expect.stringContaining('name must match') }]);
    }
    expect(errorsOf({ ...base(), name: `a${'-'.repeat(99)}` })).toEqual([]);
  });

  it('checks description, input schema and timeout', () => {
    expect(errorsOf({ ...base(), description: ['x'], input: 'object', timeout: '1 hour' })).toEqual([
      { path: 'description', message: 'description must be a string' },
      { path: 'input', message: 'input must be an object (a JSON Schema for the run input)' },
      { path: 'timeout', message: expect.stringContaining("invalid duration '1 hour'") },
    ]);
    expect(errorsOf({ ...base(), timeout: '0s' })).toEqual([{ path: 'timeout', message: 'timeout must be longer than zero' }]);
  });

  it('rejects unknown fields, such as typos', () => {
    expect(errorsOf({ ...base(), concurency: { limit: 1 }, stpes: [] })).toEqual([
      { path: 'concurency', message: "unknown field 'concurency'" },
      { path: 'stpes', message: "unknown field 'stpes'" },
    ]);
  });

  it('compiles the workflow output template', () => {
    expect(errorsOf({ ...base(), output: { a: ['${ steps.a.output }', '${ steps.( }'] } })).toEqual([
      { path: 'output.a[1]', message: expect.stringMatching(/^invalid expression 'steps\.\(': /) },
    ]);
  });

  it('collects every error at once', () => {
    const errors = errorsOf({
      name: 'Bad Name',
      extra: true,
      steps: [
        { id: 'a', type: 'nope' },
        { type: 'task', taskType: 'http' },
      ],
      triggers: [{ schedule: '* * * * * * * *' }],
    });
    expect(errors.map((error) => error.path)).toEqual([
      'extra',
      'name',
      'triggers[0].schedule',
      'steps[0].type',
      'steps[1].id',
      'steps[1].taskType',
    ]);
  });
});

describe('validateDefinition: steps list', () => {
  it('requires a non-empty array of at most 500 steps', () => {
    expect(errorsOf({ name: 'x' })).toEqual([{ path: 'steps', message: 'steps is required' }]);
    expect(errorsOf({ name: 'x', steps: {} })).toEqual([{ path: 'steps', message: 'steps must be an array' }]);
    expect(errorsOf({ name: 'x', steps: [] })).toEqual([{ path: 'steps', message: 'steps must not be empty' }]);
    const many = Array.from({ length: 501 }, (_, index) => ({ id: `s${index}`, type: 'transform', output: 1 }));
    expect(errorsOf({ name: 'x', steps: many })).toEqual([{ path: 'steps', message: 'too many steps (501); at most 500 are allowed' }]);
    expect(errorsOf({ name: 'x', steps: many.slice(0, 500) })).toEqual([]);
  });

  it('requires each step to be an object', () => {
    expect(errorsOf({ name: 'x', steps: ['a'] })).toEqual([{ path: 'steps[0]', message: 'step must be an object' }]);
  });

  it('checks step ids', () => {
    const steps = [
      { type: 'transform', output: 1 },
      { id: 'has space', type: 'transform', output: 1 },
      { id: 'x'.repeat(101), type: 'transform', output: 1 },
      { id: '__proto__', type: 'transform', output: 1 },
      { id: 'Ok_id-1', type: 'transform', output: 1 },
    ];
    expect(errorsOf({ name: 'x', steps })).toEqual([
      { path: 'steps[0].id', message: 'id is required' },
      { path: 'steps[1].id', message: expect.stringContaining('id must match') },
      { path: 'steps[2].id', message: expect.stringContaining('id must match') },
      { path: 'steps[3].id', message: "step id '__proto__' is reserved" },
    ]);
  });

  it('reports a duplicate id where it repeats', () => {
    const steps = [
      { id: 'x', type: 'transform', output: 1 },
      { id: 'y', type: 'transform', output: 1 },
      { id: 'x', type: 'transform', output: 2 },
    ];
    expect(errorsOf({ name: 'd', steps })).toEqual([{ path: 'steps[2].id', message: "duplicate step id 'x' (first at steps[0])" }]);
  });

  it('checks the step type', () => {
    expect(errorsOf(withStep({ id: 'a', type: 'foo' }))).toEqual([
      {
        path: 'steps[0].type',
        message:
          "unknown step type 'foo'; expected one of http, publish, task, transform, delay, approval, fail, succeed, switch, parallel, forEach, subWorkflow, waitForEvent",
      },
    ]);
    expect(errorsOf(withStep({ id: 'a' }))).toEqual([
      {
        path: 'steps[0].type',
        message:
          'type is required; expected one of http, publish, task, transform, delay, approval, fail, succeed, switch, parallel, forEach, subWorkflow, waitForEvent',
      },
    ]);
  });

  it('rejects unknown step fields, including fields of another step type', () => {
    expect(errorsOf(withStep({ id: 'a', type: 'transform', output: 1, retyr: {}, subject: 'x', compensation: {} }))).toEqual([
      { path: 'steps[0].retyr', message: "unknown field 'retyr'" },
      { path: 'steps[0].subject', message: "unknown field 'subject'" },
      { path: 'steps[0].compensation', message: "unknown field 'compensation'" },
    ]);
  });

  it('checks description and timeout', () => {
    expect(errorsOf(withStep({ id: 'a', type: 'transform', output: 1, description: 1, timeout: '10' }))).toEqual([
      { path: 'steps[0].description', message: 'description must be a string' },
      { path: 'steps[0].timeout', message: expect.stringContaining("invalid duration '10'") },
    ]);
  });
});

describe('validateDefinition: needs and cycles', () => {
  it('checks needs entries', () => {
    const document = base();
    const steps = document.steps as Record<string, unknown>[];
    steps.push({ id: 'c', type: 'transform', output: 1, needs: ['a', 'ghost', 'c', 3, 'a'] });
    expect(errorsOf(document)).toEqual([
      { path: 'steps[2].needs[1]', message: "unknown step 'ghost' in needs" },
      { path: 'steps[2].needs[2]', message: "step 'c' cannot need itself" },
      { path: 'steps[2].needs[3]', message: 'needs entries must be step ids (strings)' },
      { path: 'steps[2].needs[4]', message: "duplicate step 'a' in needs" },
    ]);
  });

  it('requires needs to be an array', () => {
    expect(errorsOf(withStep({ id: 'a', type: 'transform', output: 1, needs: 'b' }))).toEqual([
      { path: 'steps[0].needs', message: 'needs must be an array of step ids' },
    ]);
  });

  it('reports a cycle on the step that closes it, naming the cycle', () => {
    const steps = [
      { id: 'a', type: 'transform', output: 1, needs: ['c'] },
      { id: 'b', type: 'transform', output: 1, needs: ['a'] },
      { id: 'c', type: 'transform', output: 1, needs: ['b'] },
    ];
    expect(errorsOf({ name: 'x', steps })).toEqual([{ path: 'steps[1].needs', message: 'cycle: a -> c -> b -> a' }]);
  });

  it('reports a two-step cycle', () => {
    const steps = [
      { id: 'a', type: 'transform', output: 1, needs: ['b'] },
      { id: 'b', type: 'transform', output: 1, needs: ['a'] },
    ];
    expect(errorsOf({ name: 'x', steps })).toEqual([{ path: 'steps[1].needs', message: 'cycle: a -> b -> a' }]);
  });

  it('finds cycles closed by the implicit previous-step ordering', () => {
    const steps = [
      { id: 'a', type: 'transform', output: 1, needs: ['b'] },
      { id: 'b', type: 'transform', output: 1 },
    ];
    expect(errorsOf({ name: 'x', steps })).toEqual([{ path: 'steps[1]', message: expect.stringMatching(/^cycle: a -> b -> a \(/) }]);
  });

  it('does not invent cycles around malformed steps', () => {
    const steps = [
      { id: 'a', type: 'transform', output: 1, needs: ['c'] },
      { id: 'bad id', type: 'transform', output: 1 },
      { id: 'c', type: 'transform', output: 1 },
    ];
    expect(errorsOf({ name: 'x', steps })).toEqual([{ path: 'steps[1].id', message: expect.stringContaining('id must match') }]);
  });
});

describe('validateDefinition: retry', () => {
  const retrying = (retry: unknown): FieldError[] => errorsOf(withStep({ id: 'a', type: 'transform', output: 1, retry }));

  it('requires maxAttempts from 1 to 100', () => {
    expect(retrying({})).toEqual([{ path: 'steps[0].retry.maxAttempts', message: 'maxAttempts is required' }]);
    for (const maxAttempts of [0, 101, 2.5, '3']) {
      expect(retrying({ maxAttempts })).toEqual([
        { path: 'steps[0].retry.maxAttempts', message: 'maxAttempts must be an integer from 1 to 100' },
      ]);
    }
    expect(retrying({ maxAttempts: 1 })).toEqual([]);
    expect(retrying({ maxAttempts: 100 })).toEqual([]);
  });

  it('takes jitter and retryOn error-code patterns', () => {
    expect(retrying({ maxAttempts: 3, jitter: true, retryOn: ['http.5*', 'timeout'] })).toEqual([]);
    expect(retrying({ maxAttempts: 3, jitter: 'yes', retryOn: [] })).toEqual([
      { path: 'steps[0].retry.jitter', message: 'jitter must be true or false' },
      { path: 'steps[0].retry.retryOn', message: expect.stringContaining('non-empty list of error codes') },
    ]);
    expect(retrying({ maxAttempts: 3, retryOn: ['http 500'] })).toEqual([
      { path: 'steps[0].retry.retryOn[0]', message: expect.stringContaining('error codes are') },
    ]);
  });

  it('checks backoff, intervals and unknown fields', () => {
    expect(retrying({ maxAttempts: 3, backoff: 'linear', initialInterval: 'x', maxInterval: '1y', jiter: true })).toEqual([
      { path: 'steps[0].retry.jiter', message: "unknown field 'jiter'" },
      { path: 'steps[0].retry.backoff', message: 'backoff must be one of fixed, exponential' },
      { path: 'steps[0].retry.initialInterval', message: expect.stringContaining("invalid duration 'x'") },
      { path: 'steps[0].retry.maxInterval', message: expect.stringContaining("invalid duration '1y'") },
    ]);
    expect(retrying({ maxAttempts: 3, initialInterval: '10s', maxInterval: '5s' })).toEqual([
      { path: 'steps[0].retry.maxInterval', message: 'maxInterval must not be shorter than initialInterval' },
    ]);
    expect(retrying('often')).toEqual([{ path: 'steps[0].retry', message: 'retry must be an object' }]);
  });
});

describe('validateDefinition: http steps', () => {
  const http = (spec: unknown): FieldError[] => errorsOf(withStep({ id: 'call', type: 'http', with: spec }));

  it('requires with, method and url', () => {
    expect(errorsOf(withStep({ id: 'call', type: 'http' }))).toEqual([
      { path: 'steps[0].with', message: 'with is required for http steps' },
    ]);
    expect(http('GET')).toEqual([{ path: 'steps[0].with', message: 'with must be an object' }]);
    expect(http({})).toEqual([
      { path: 'steps[0].with.method', message: 'method is required' },
      { path: 'steps[0].with.url', message: 'url is required' },
    ]);
  });

  it('accepts methods in any case and upper-cases them', () => {
    const result = validateDefinition(withStep({ id: 'call', type: 'http', with: { method: 'patch', url: 'https://x.test' } }));
    expect(result.ok && result.definition.steps[0]).toMatchObject({ with: { method: 'PATCH' } });
    expect(http({ method: 'FETCH', url: 'https://x.test' })).toEqual([
      { path: 'steps[0].with.method', message: "unsupported method 'FETCH'; expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS" },
    ]);
  });

  it('checks the url template', () => {
    expect(http({ method: 'GET', url: 'https://api.test/orders/${ input.orderId }' })).toEqual([]);
    expect(http({ method: 'GET', url: '${ input.url }' })).toEqual([]);
    expect(http({ method: 'GET', url: 'https://api.test/${ input. }' })).toEqual([
      { path: 'steps[0].with.url', message: expect.stringContaining("invalid expression 'input.'") },
    ]);
    expect(http({ method: 'GET', url: 'ftp://files.test' })).toEqual([
      { path: 'steps[0].with.url', message: "url must be an http(s) URL, got 'ftp://files.test'" },
    ]);
    expect(http({ method: 'GET', url: 5 })).toEqual([{ path: 'steps[0].with.url', message: 'url must be a string' }]);
  });

  it('checks headers, body and timeout', () => {
    const spec = {
      method: 'POST',
      url: 'https://x.test',
      headers: { 'Content-Type': 'application/json', 'X-Count': 5, 'X-Id': '${ ) }' },
      body: { nested: ['${ input.a }', { bad: '${ $$$ ( }' }] },
      timeout: 'forever',
      retries: 3,
    };
    expect(http(spec)).toEqual([
      { path: 'steps[0].with.retries', message: "unknown field 'retries'" },
      { path: 'steps[0].with.headers["X-Count"]', message: 'headers values must be strings' },
      { path: 'steps[0].with.headers["X-Id"]', message: expect.stringContaining('invalid expression') },
      { path: 'steps[0].with.body.nested[1].bad', message: expect.stringContaining('invalid expression') },
      { path: 'steps[0].with.timeout', message: expect.stringContaining("invalid duration 'forever'") },
    ]);
    expect(http({ method: 'GET', url: 'https://x.test', headers: ['a'] })).toEqual([
      { path: 'steps[0].with.headers', message: 'headers must be an object of strings' },
    ]);
  });
});

describe('validateDefinition: publish steps', () => {
  const publish = (fields: Record<string, unknown>): FieldError[] => errorsOf(withStep({ id: 'p', type: 'publish', ...fields }));

  it('requires a concrete NATS subject', () => {
    expect(publish({})).toEqual([{ path: 'steps[0].subject', message: 'subject is required for publish steps' }]);
    expect(publish({ subject: 'baton.events.order.shipped' })).toEqual([]);
    for (const subject of ['a..b', '.a', 'a.', 'a b', 'baton.events.*', 'baton.>', '']) {
      expect(publish({ subject })).toEqual([
        { path: 'steps[0].subject', message: expect.stringContaining(`invalid subject '${subject}'`) },
      ]);
    }
  });

  it("refuses Baton's internal subjects", () => {
    for (const subject of ['baton.cmd.start-run', 'baton.results.task', 'baton.tasks.http', 'baton.lifecycle.x.completed']) {
      expect(publish({ subject })).toEqual([{ path: 'steps[0].subject', message: expect.stringContaining('internal to Baton') }]);
    }
  });

  it('checks eventType and data', () => {
    expect(publish({ subject: 'a.b', eventType: 'order shipped', data: { id: '${ input.id' } })).toEqual([
      { path: 'steps[0].eventType', message: expect.stringContaining("invalid eventType 'order shipped'") },
      { path: 'steps[0].data.id', message: expect.stringContaining('unterminated') },
    ]);
    expect(publish({ subject: 'a.b', eventType: 'order.shipped', data: '${ input }' })).toEqual([]);
  });
});

describe('validateDefinition: task steps', () => {
  const task = (fields: Record<string, unknown>): FieldError[] => errorsOf(withStep({ id: 't', type: 'task', ...fields }));

  it('requires a well-formed, unreserved taskType', () => {
    expect(task({})).toEqual([{ path: 'steps[0].taskType', message: 'taskType is required for task steps' }]);
    expect(task({ taskType: 'Charge_Card' })).toEqual([
      { path: 'steps[0].taskType', message: expect.stringContaining('taskType must match') },
    ]);
    expect(task({ taskType: 'http' })).toEqual([
      { path: 'steps[0].taskType', message: "taskType 'http' is reserved for the built-in http step type" },
    ]);
    expect(task({ taskType: 'publish' })).toEqual([
      { path: 'steps[0].taskType', message: "taskType 'publish' is reserved for the built-in publish step type" },
    ]);
    expect(task({ taskType: 'charge-card', input: { amount: '${ input.total }' } })).toEqual([]);
  });

  it('compiles the input template', () => {
    expect(task({ taskType: 'x', input: ['${ 1 + }'] })).toEqual([
      { path: 'steps[0].input[0]', message: expect.stringContaining('invalid expression') },
    ]);
  });
});

describe('validateDefinition: transform steps', () => {
  it('requires output and compiles it', () => {
    expect(errorsOf(withStep({ id: 'x', type: 'transform' }))).toEqual([
      { path: 'steps[0].output', message: 'output is required for transform steps' },
    ]);
    expect(errorsOf(withStep({ id: 'x', type: 'transform', output: { total: '${ input.a + }' } }))).toEqual([
      { path: 'steps[0].output.total', message: expect.stringContaining("invalid expression 'input.a +'") },
    ]);
    expect(errorsOf(withStep({ id: 'x', type: 'transform', output: null }))).toEqual([]);
  });
});

describe('validateDefinition: triggers', () => {
  const triggers = (value: unknown): FieldError[] => errorsOf({ ...base(), triggers: value });

  it('accepts event triggers with filter and input', () => {
    expect(triggers([{ event: 'order.created', filter: 'event.data.total > 0', input: '${ event.data }' }])).toEqual([]);
    expect(triggers([])).toEqual([]);
  });

  it('requires an array of objects', () => {
    expect(triggers({ event: 'x' })).toEqual([{ path: 'triggers', message: 'triggers must be an array' }]);
    expect(triggers(['order.created'])).toEqual([{ path: 'triggers[0]', message: 'trigger must be an object' }]);
  });

  it('accepts schedule triggers beside event triggers', () => {
    expect(triggers([{ schedule: '*/5 * * * *', timezone: 'Europe/Paris' }, { event: 'order.created' }])).toEqual([]);
  });

  it('requires an event', () => {
    expect(triggers([{ filter: 'true' }])).toEqual([{ path: 'triggers[0]', message: expect.stringContaining("'event'") }]);
  });

  it('checks the event type, filter, input and unknown fields', () => {
    expect(
      triggers([
        { event: 'order created', filter: 'event.data.total >', input: { id: '${ event.data.( }' }, timezone: 'UTC' },
        { event: 'baton.events.*' },
        { event: 'order.created', filter: 5 },
      ]),
    ).toEqual([
      { path: 'triggers[0].timezone', message: "unknown field 'timezone'" },
      { path: 'triggers[0].event', message: expect.stringContaining("invalid event type 'order created'") },
      { path: 'triggers[0].filter', message: expect.stringContaining("invalid expression 'event.data.total >'") },
      { path: 'triggers[0].input.id', message: expect.stringContaining('invalid expression') },
      { path: 'triggers[1].event', message: expect.stringContaining("invalid event type 'baton.events.*'") },
      { path: 'triggers[2].filter', message: 'filter must be a string' },
    ]);
  });
});

describe('validateDefinition: notifications', () => {
  const notifications = (value: unknown): FieldError[] => errorsOf({ ...base(), notifications: value });
  const EVENTS = 'completed, failed, compensated, cancelled, timed_out, sla_at_risk, sla_breached, approval_requested';

  it('accepts one channel per rule: webhook, chat, email or nats', () => {
    expect(
      notifications([
        { on: ['completed'], webhook: { url: 'https://hooks.test/x', secret: 'plain', headers: { 'X-A': 'b' } } },
        { on: ['failed', 'sla_at_risk'], chat: { url: 'https://hooks.slack.test/T1/B2' } },
        { on: ['sla_breached'], email: { to: ['ops@example.com', 'lead@example.com'] } },
        { on: ['approval_requested'], email: { to: 'approvers@example.com' } },
        { on: ['timed_out'], nats: { subject: 'ops.alerts' } },
      ]),
    ).toEqual([]);
  });

  it('checks on', () => {
    expect(notifications([{ webhook: { url: 'https://h.test' } }])).toEqual([
      { path: 'notifications[0].on', message: `on must be a non-empty array of ${EVENTS}` },
    ]);
    expect(notifications([{ on: [], webhook: { url: 'https://h.test' } }])).toEqual([
      { path: 'notifications[0].on', message: `on must be a non-empty array of ${EVENTS}` },
    ]);
    expect(notifications([{ on: ['failed', 'exploded'], webhook: { url: 'https://h.test' } }])).toEqual([
      { path: 'notifications[0].on[1]', message: `unknown notification event 'exploded'; expected one of ${EVENTS}` },
    ]);
  });

  it('needs exactly one channel', () => {
    expect(notifications([{ on: ['failed'] }])).toEqual([
      { path: 'notifications[0]', message: 'a notification needs one channel: webhook, chat, email, nats' },
    ]);
    expect(notifications([{ on: ['failed'], webhook: { url: 'https://h.test' }, nats: { subject: 'a.b' } }])).toEqual([
      { path: 'notifications[0]', message: 'a notification has exactly one channel, got webhook and nats' },
    ]);
  });

  it('checks each channel', () => {
    expect(
      notifications([{ on: ['failed'], webhook: { url: 'mailto:ops@x.test', secret: '${ secrets. }', headers: 3, retry: 1 } }]),
    ).toEqual([
      { path: 'notifications[0].webhook.retry', message: "unknown field 'retry'" },
      { path: 'notifications[0].webhook.url', message: "url must be an http(s) URL, got 'mailto:ops@x.test'" },
      { path: 'notifications[0].webhook.secret', message: expect.stringContaining('invalid expression') },
      { path: 'notifications[0].webhook.headers', message: 'headers must be an object of strings' },
    ]);
    expect(notifications([{ on: ['failed'], chat: { url: 'slack' } }])).toEqual([
      { path: 'notifications[0].chat.url', message: "url must be an http(s) URL, got 'slack'" },
    ]);
    expect(notifications([{ on: ['failed'], email: { to: ['ops@example.com', 'nobody'] } }])).toEqual([
      { path: 'notifications[0].email.to[1]', message: "'nobody' is not an e-mail address" },
    ]);
    expect(notifications([{ on: ['failed'], email: { to: [] } }])).toEqual([
      { path: 'notifications[0].email.to', message: 'to must be an e-mail address or a non-empty list of them' },
    ]);
    expect(notifications([{ on: ['failed'], nats: { subject: 'baton.cmd.cancel-run' } }])).toEqual([
      {
        path: 'notifications[0].nats.subject',
        message: "subject 'baton.cmd.cancel-run' is internal to Baton; use baton.events.<type> or your own subjects",
      },
    ]);
    expect(notifications([{ on: ['failed'], nats: { subject: 'ops.>' } }])).toEqual([
      { path: 'notifications[0].nats.subject', message: "subject must be a NATS subject without wildcards, e.g. ops.alerts, got 'ops.>'" },
    ]);
  });

  it('rejects unknown fields and non-objects', () => {
    expect(notifications('failed')).toEqual([{ path: 'notifications', message: 'notifications must be an array' }]);
    expect(notifications([1, { on: ['failed'], webhook: { url: 'https://h.test' }, sms: 'x' }])).toEqual([
      { path: 'notifications[0]', message: 'notification must be an object' },
      { path: 'notifications[1].sms', message: "unknown field 'sms'" },
    ]);
  });
});

describe('validateDefinition: sla', () => {
  const withSla = (sla: unknown) => validateDefinition({ ...base(), sla });

  it('takes a duration, or a duration and the at-risk probability', () => {
    expect(withSla('10m')).toMatchObject({ ok: true, definition: { sla: { duration: '10m', atRiskProbability: 0.5 } } });
    expect(withSla({ duration: '1h', atRiskProbability: 0.8 })).toMatchObject({
      ok: true,
      definition: { sla: { duration: '1h', atRiskProbability: 0.8 } },
    });
  });

  it('reports a bad duration or probability with its path', () => {
    expect(errorsOf({ ...base(), sla: { duration: 'soon', atRiskProbability: 2 } })).toEqual([
      { path: 'sla.duration', message: expect.stringContaining("invalid duration 'soon'") },
      { path: 'sla.atRiskProbability', message: 'atRiskProbability must be a number above 0 and at most 1' },
    ]);
    expect(errorsOf({ ...base(), sla: { atRiskProbability: 0.5 } })).toEqual([
      { path: 'sla.duration', message: 'duration is required, e.g. 10m' },
    ]);
    expect(errorsOf({ ...base(), sla: 5 })).toEqual([
      { path: 'sla', message: 'sla must be a duration (e.g. 10m) or an object {duration, atRiskProbability}' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { FieldError, WorkflowDefinition } from './definition.types';
import { validateDefinition } from './validate-definition';

const DELAY_NEEDS_ONE = 'a delay step needs exactly one of duration (e.g. 30s) or until (an ISO-8601 instant)';

function withStep(step: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'demo', steps: [step], ...extra };
}

function errorsOf(document: unknown): FieldError[] {
  const result = validateDefinition(document);
  return result.ok ? [] : result.errors;
}

function definitionOf(document: unknown): WorkflowDefinition {
  const result = validateDefinition(document);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.errors));
  }
  return result.definition;
}

/** A valid task step carrying `compensate`, so only the compensation can be at fault. */
function compensating(compensate: unknown): Record<string, unknown> {
  return withStep({ id: 'reserve', type: 'task', taskType: 'reserve-stock', compensate });
}

describe('validateDefinition: delay steps', () => {
  it('accepts a fixed duration or an until template, as given', () => {
    expect(definitionOf(withStep({ id: 'wait', type: 'delay', duration: '1h30m' })).steps).toEqual([
      { id: 'wait', type: 'delay', duration: '1h30m' },
    ]);
    expect(definitionOf(withStep({ id: 'wait', type: 'delay', until: '${ input.shipAt }', timeout: '1d' })).steps).toEqual([
      { id: 'wait', type: 'delay', until: '${ input.shipAt }', timeout: '1d' },
    ]);
  });

  it('requires exactly one of duration and until, reported at the step', () => {
    expect(errorsOf(withStep({ id: 'wait', type: 'delay' }))).toEqual([{ path: 'steps[0]', message: DELAY_NEEDS_ONE }]);
    expect(errorsOf(withStep({ id: 'wait', type: 'delay', duration: '5m', until: '2026-03-01T10:00:00Z' }))).toEqual([
      { path: 'steps[0]', message: DELAY_NEEDS_ONE },
    ]);
  });

  it('rejects a duration that is not a positive duration string', () => {
    expect(errorsOf(withStep({ id: 'wait', type: 'delay', duration: 'soon' }))).toEqual([
      { path: 'steps[0].duration', message: "invalid duration 'soon'; expected e.g. 500ms, 30s, 5m, 1h, 2d or 1h30m" },
    ]);
    expect(errorsOf(withStep({ id: 'wait', type: 'delay', duration: '0s' }))).toEqual([
      { path: 'steps[0].duration', message: 'duration must be longer than zero' },
    ]);
    expect(errorsOf(withStep({ id: 'wait', type: 'delay', duration: 30 }))).toEqual([
      { path: 'steps[0].duration', message: 'duration must be a string' },
    ]);
  });

  it('compiles the until template', () => {
    expect(errorsOf(withStep({ id: 'wait', type: 'delay', until: '${ input.( }' }))).toEqual([
      { path: 'steps[0].until', message: expect.stringContaining("invalid expression 'input.('") },
    ]);
  });

  it('reports both a bad duration and the presence of until', () => {
    expect(errorsOf(withStep({ id: 'wait', type: 'delay', duration: 'x', until: '${ input.at }' }))).toEqual([
      { path: 'steps[0].duration', message: expect.stringContaining("invalid duration 'x'") },
      { path: 'steps[0]', message: DELAY_NEEDS_ONE },
    ]);
  });

  it('rejects fields of other step types', () => {
    expect(errorsOf(withStep({ id: 'wait', type: 'delay', duration: '1s', output: 1, defaultDecision: 'approved' }))).toEqual([
      { path: 'steps[0].output', message: "unknown field 'output'" },
      { path: 'steps[0].defaultDecision', message: "unknown field 'defaultDecision'" },
    ]);
  });
});

describe('validateDefinition: approval steps', () => {
  it('accepts an approval with or without a timeout and default decision', () => {
    expect(definitionOf(withStep({ id: 'manager', type: 'approval' })).steps).toEqual([{ id: 'manager', type: 'approval' }]);
    for (const defaultDecision of ['approved', 'rejected']) {
      expect(definitionOf(withStep({ id: 'manager', type: 'approval', timeout: '2d', defaultDecision })).steps).toEqual([
        { id: 'manager', type: 'approval', timeout: '2d', defaultDecision },
      ]);
    }
  });

  it('requires defaultDecision to be approved or rejected', () => {
    expect(errorsOf(withStep({ id: 'manager', type: 'approval', timeout: '1h', defaultDecision: 'maybe' }))).toEqual([
      { path: 'steps[0].defaultDecision', message: 'defaultDecision must be one of approved, rejected' },
    ]);
    expect(errorsOf(withStep({ id: 'manager', type: 'approval', timeout: '1h', defaultDecision: true }))).toEqual([
      { path: 'steps[0].defaultDecision', message: 'defaultDecision must be a string' },
    ]);
  });

  it('requires a timeout for a default decision to apply', () => {
    expect(errorsOf(withStep({ id: 'manager', type: 'approval', defaultDecision: 'approved' }))).toEqual([
      { path: 'steps[0].defaultDecision', message: 'defaultDecision applies when the timeout passes; set a timeout too' },
    ]);
  });

  it('checks the timeout as a positive duration', () => {
    expect(errorsOf(withStep({ id: 'manager', type: 'approval', timeout: '0s' }))).toEqual([
      { path: 'steps[0].timeout', message: 'timeout must be longer than zero' },
    ]);
  });

  it('rejects fields of other step types', () => {
    expect(errorsOf(withStep({ id: 'manager', type: 'approval', duration: '1h', signal: 'ok' }))).toEqual([
      { path: 'steps[0].duration', message: "unknown field 'duration'" },
      { path: 'steps[0].signal', message: "unknown field 'signal'" },
    ]);
  });
});

describe('validateDefinition: fail and succeed steps', () => {
  it('accepts them with or without their template', () => {
    const definition = definitionOf({
      name: 'demo',
      steps: [
        { id: 'stop', type: 'fail', error: 'order ${ input.orderId } is invalid' },
        { id: 'stop-plain', type: 'fail', needs: [] },
        { id: 'done', type: 'succeed', output: { id: '${ input.orderId }' }, needs: [] },
        { id: 'done-plain', type: 'succeed', needs: [] },
      ],
    });
    expect(definition.steps).toEqual([
      { id: 'stop', type: 'fail', error: 'order ${ input.orderId } is invalid' },
      { id: 'stop-plain', type: 'fail', needs: [] },
      { id: 'done', type: 'succeed', output: { id: '${ input.orderId }' }, needs: [] },
      { id: 'done-plain', type: 'succeed', needs: [] },
    ]);
  });

  it('compiles the error and output templates', () => {
    expect(
      errorsOf({
        name: 'demo',
        steps: [
          { id: 'stop', type: 'fail', error: 'bad ${ 1 + }' },
          { id: 'done', type: 'succeed', output: { x: '${ input.( }' } },
        ],
      }),
    ).toEqual([
      { path: 'steps[0].error', message: expect.stringContaining('invalid expression') },
      { path: 'steps[1].output.x', message: expect.stringContaining('invalid expression') },
    ]);
  });

  it('rejects fields of other step types', () => {
    expect(errorsOf(withStep({ id: 'stop', type: 'fail', output: 1, message: 'x' }))).toEqual([
      { path: 'steps[0].output', message: "unknown field 'output'" },
      { path: 'steps[0].message', message: "unknown field 'message'" },
    ]);
    expect(errorsOf(withStep({ id: 'done', type: 'succeed', error: 'x', with: {} }))).toEqual([
      { path: 'steps[0].error', message: "unknown field 'error'" },
      { path: 'steps[0].with', message: "unknown field 'with'" },
    ]);
  });
});

describe('validateDefinition: compensate', () => {
  it('accepts http, publish and task compensations, normalised like steps of that type', () => {
    const definition = definitionOf({
      name: 'demo',
      steps: [
        {
          id: 'charge',
          type: 'http',
          with: { method: 'post', url: 'http://pay.local/charge' },
          compensate: {
            type: 'http',
            with: { method: 'delete', url: 'http://pay.local/charge/${ steps.charge.output.body.id }' },
            retry: { maxAttempts: 5 },
          },
        },
        {
          id: 'announce',
          type: 'publish',
          subject: 'baton.events.order.accepted',
          compensate: { type: 'publish', subject: 'baton.events.order.withdrawn', data: { id: '${ input.id }' } },
        },
        {
          id: 'reserve',
          type: 'transform',
          output: 1,
          compensate: { type: 'task', taskType: 'release-stock', input: '${ input }' },
        },
      ],
    });
    expect(definition.steps.map((step) => step.compensate)).toEqual([
      {
        type: 'http',
        with: { method: 'DELETE', url: 'http://pay.local/charge/${ steps.charge.output.body.id }' },
        retry: { maxAttempts: 5, backoff: 'fixed', initialInterval: '1s' },
      },
      { type: 'publish', subject: 'baton.events.order.withdrawn', data: { id: '${ input.id }' } },
      { type: 'task', taskType: 'release-stock', input: '${ input }' },
    ]);
  });

  it('requires an object with a compensable type', () => {
    expect(errorsOf(compensating('release-stock'))).toEqual([
      { path: 'steps[0].compensate', message: 'compensate must be an object with a type (http, publish, task)' },
    ]);
    expect(errorsOf(compensating(['task']))).toEqual([
      { path: 'steps[0].compensate', message: 'compensate must be an object with a type (http, publish, task)' },
    ]);
    for (const type of ['transform', 'delay', 'fail', undefined, 3]) {
      expect(errorsOf(compensating({ type, output: 1 }))).toEqual([
        { path: 'steps[0].compensate.type', message: 'compensate type must be one of http, publish, task' },
      ]);
    }
  });

  it('rejects fields that are not part of the compensation type, including step-level ones', () => {
    expect(errorsOf(compensating({ type: 'task', taskType: 'release-stock', needs: [], timeout: '1s', subject: 'a.b' }))).toEqual([
      { path: 'steps[0].compensate.needs', message: "unknown field 'needs'" },
      { path: 'steps[0].compensate.timeout', message: "unknown field 'timeout'" },
      { path: 'steps[0].compensate.subject', message: "unknown field 'subject'" },
    ]);
  });

  it("validates the body as that type's step body", () => {
    expect(errorsOf(compensating({ type: 'task' }))).toEqual([
      { path: 'steps[0].compensate.taskType', message: 'taskType is required for task steps' },
    ]);
    expect(errorsOf(compensating({ type: 'task', taskType: 'http' }))).toEqual([
      { path: 'steps[0].compensate.taskType', message: "taskType 'http' is reserved for the built-in http step type" },
    ]);
    expect(errorsOf(compensating({ type: 'http', with: { method: 'FETCH', url: 'ftp://x' } }))).toEqual([
      {
        path: 'steps[0].compensate.with.method',
        message: "unsupported method 'FETCH'; expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
      },
      { path: 'steps[0].compensate.with.url', message: "url must be an http(s) URL, got 'ftp://x'" },
    ]);
    expect(errorsOf(compensating({ type: 'publish', subject: 'baton.tasks.x' }))).toEqual([
      {
        path: 'steps[0].compensate.subject',
        message: "subject 'baton.tasks.x' is internal to Baton; publish to baton.events.<type> or your own subjects",
      },
    ]);
    expect(errorsOf(compensating({ type: 'task', taskType: 'release-stock', input: '${ input.( }' }))).toEqual([
      { path: 'steps[0].compensate.input', message: expect.stringContaining('invalid expression') },
    ]);
  });

  it('validates its own retry policy', () => {
    expect(errorsOf(compensating({ type: 'task', taskType: 'release-stock', retry: { maxAttempts: 0 } }))).toEqual([
      { path: 'steps[0].compensate.retry.maxAttempts', message: 'maxAttempts must be an integer from 1 to 100' },
    ]);
    expect(errorsOf(compensating({ type: 'task', taskType: 'release-stock', retry: { maxAttempts: 2, backoff: 'linear' } }))).toEqual([
      { path: 'steps[0].compensate.retry.backoff', message: 'backoff must be one of fixed, exponential' },
    ]);
    expect(errorsOf(compensating({ type: 'task', taskType: 'release-stock', retry: 'always' }))).toEqual([
      { path: 'steps[0].compensate.retry', message: 'retry must be an object' },
    ]);
  });

  it("keeps the compensation's retry apart from the step's", () => {
    const definition = definitionOf({
      name: 'demo',
      steps: [
        {
          id: 'reserve',
          type: 'task',
          taskType: 'reserve-stock',
          retry: { maxAttempts: 2 },
          compensate: { type: 'task', taskType: 'release-stock', retry: { maxAttempts: 7, backoff: 'exponential', initialInterval: '2s' } },
        },
      ],
    });
    expect(definition.steps[0]).toEqual({
      id: 'reserve',
      type: 'task',
      taskType: 'reserve-stock',
      retry: { maxAttempts: 2, backoff: 'fixed', initialInterval: '1s' },
      compensate: { type: 'task', taskType: 'release-stock', retry: { maxAttempts: 7, backoff: 'exponential', initialInterval: '2s' } },
    });
  });

  it('is allowed on the new step types too', () => {
    const compensate = { type: 'task', taskType: 'undo' };
    const definition = definitionOf({
      name: 'demo',
      steps: [
        { id: 'wait', type: 'delay', duration: '1s', compensate },
        { id: 'ok', type: 'approval', compensate },
      ],
    });
    expect(definition.steps.map((step) => step.compensate)).toEqual([compensate, compensate]);
  });
});

describe('validateDefinition: compensateOnCancel', () => {
  it('accepts a boolean and keeps it', () => {
    const step = { id: 'a', type: 'transform', output: 1 };
    expect(definitionOf(withStep(step, { compensateOnCancel: true })).compensateOnCancel).toBe(true);
    expect(definitionOf(withStep(step, { compensateOnCancel: false })).compensateOnCancel).toBe(false);
    expect(definitionOf(withStep(step))).not.toHaveProperty('compensateOnCancel');
  });

  it('rejects anything but a boolean', () => {
    for (const compensateOnCancel of ['true', 1, null, {}]) {
      expect(errorsOf(withStep({ id: 'a', type: 'transform', output: 1 }, { compensateOnCancel }))).toEqual([
        { path: 'compensateOnCancel', message: 'compensateOnCancel must be true or false' },
      ]);
    }
  });
});

describe('catch', () => {
  const definition = (stepsList: unknown[]) => validateDefinition({ name: 'c', steps: stepsList });
  const errorsOf = (stepsList: unknown[]) => {
    const result = definition(stepsList);
    return result.ok ? [] : result.errors;
  };

  it('takes routes to handler steps, which get no implicit needs', () => {
    const result = definition([
      { id: 'a', type: 'transform', output: 1, catch: [{ errors: ['http.5*'], next: 'h' }, { next: 'h' }] },
      { id: 'h', type: 'transform', output: 2 },
      { id: 'after', type: 'transform', output: 3 },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.graph.handlers).toEqual(['h']);
    expect(result.graph.needs).toEqual({ a: [], h: [], after: ['h'] });
  });

  it('refuses unknown targets, self routes, bad codes, unknown fields and handlers with needs', () => {
    expect(
      errorsOf([
        {
          id: 'a',
          type: 'transform',
          output: 1,
          catch: [{ next: 'nope' }, { next: 'a' }, { errors: [], next: 'h' }, { next: 'h', then: 1 }],
        },
        { id: 'h', type: 'transform', output: 2, needs: ['a'] },
      ]),
    ).toEqual([
      { path: 'steps[0].catch[0].next', message: "next must name a step of this definition; there is no step 'nope'" },
      { path: 'steps[0].catch[1].next', message: 'a step cannot catch its own error' },
      { path: 'steps[0].catch[2].errors', message: expect.stringContaining('non-empty list of error codes') },
      { path: 'steps[0].catch[3].then', message: "unknown field 'then'" },
      { path: 'steps[1].needs', message: "'h' is a catch handler: it starts when an error is routed to it and cannot have needs" },
    ]);
  });
});

describe('concurrency', () => {
  const errorsFor = (concurrency: unknown) => {
    const result = validateDefinition({ name: 'c', concurrency, steps: [{ id: 'a', type: 'transform', output: 1 }] });
    return result.ok ? [] : result.errors;
  };

  it('takes a key template and a positive integer limit', () => {
    expect(errorsFor({ key: '${ input.customerId }', limit: 2 })).toEqual([]);
  });

  it('says what is wrong with each field', () => {
    expect(errorsFor({ limit: 0, by: 'x' })).toEqual([
      { path: 'concurrency.by', message: "unknown field 'by'" },
      { path: 'concurrency.key', message: expect.stringContaining('key is required') },
      { path: 'concurrency.limit', message: 'limit must be an integer from 1 to 10000' },
    ]);
    expect(errorsFor({ key: '${ input.( }', limit: 1 })).toEqual([{ path: 'concurrency.key', message: expect.any(String) }]);
    expect(errorsFor('one')).toEqual([{ path: 'concurrency', message: 'concurrency must be an object {key, limit}' }]);
  });
});

describe('switch and parallel', () => {
  const errorsOf = (steps: unknown[]) => {
    const result = validateDefinition({ name: 'c', steps });
    return result.ok ? [] : result.errors;
  };

  it('validates nested steps with their paths and flattens them into the graph', () => {
    const result = validateDefinition({
      name: 'c',
      steps: [
        {
          id: 'route',
          type: 'switch',
          cases: [
            {
              when: 'input.vip',
              steps: [
                { id: 'a', type: 'transform', output: 1 },
                { id: 'b', type: 'transform', output: 2 },
              ],
            },
          ],
          default: [{ id: 'c', type: 'transform', output: 3 }],
        },
        {
          id: 'both',
          type: 'parallel',
          branches: [{ steps: [{ id: 'd', type: 'transform', output: 4 }] }, { steps: [{ id: 'e', type: 'transform', output: 5 }] }],
        },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.graph.branches).toEqual({ route: [['a', 'b'], ['c']], both: [['d'], ['e']] });
    expect(result.graph.needs).toMatchObject({ a: [], b: ['a'], c: [], both: ['route'], d: [], e: [] });
  });

  it('refuses a switch without cases, a parallel without branches, bad conditions and nested errors, each at its path', () => {
    expect(
      errorsOf([
        { id: 's1', type: 'switch', cases: [] },
        { id: 'p1', type: 'parallel', branches: [] },
        { id: 's2', type: 'switch', cases: [{ when: 'input.(', steps: [{ id: 'x', type: 'nope' }] }] },
      ]),
    ).toEqual([
      { path: 'steps[0].cases', message: 'a switch needs cases: a non-empty list of {when, steps}' },
      { path: 'steps[1].branches', message: 'a parallel step needs branches: a non-empty list of {steps}' },
      { path: 'steps[2].cases[0].when', message: expect.any(String) },
      { path: 'steps[2].cases[0].steps[0].type', message: expect.stringContaining("unknown step type 'nope'") },
    ]);
  });

  it('keeps step ids unique across nested lists', () => {
    expect(
      errorsOf([
        { id: 'a', type: 'transform', output: 1 },
        { id: 'both', type: 'parallel', branches: [{ steps: [{ id: 'a', type: 'transform', output: 2 }] }] },
      ]),
    ).toEqual([{ path: 'steps[1].branches[0].steps[0].id', message: "duplicate step id 'a' (first at steps[0])" }]);
  });
});

describe('forEach', () => {
  const errorsOf = (step: Record<string, unknown>) => {
    const result = validateDefinition({ name: 'c', steps: [{ id: 'each', type: 'forEach', ...step }] });
    return result.ok ? [] : result.errors;
  };

  it('takes items, a concurrency and a leaf step without id', () => {
    expect(
      errorsOf({
        items: '${ input.orders }',
        concurrency: 5,
        step: { type: 'http', with: { method: 'POST', url: 'http://x.test/${ item.id }' } },
      }),
    ).toEqual([]);
  });

  it('refuses an unbounded fan-out, a missing items, and a step that is not a leaf', () => {
    expect(errorsOf({ step: { type: 'parallel', branches: [] } })).toEqual([
      { path: 'steps[0].items', message: expect.stringContaining('items is required') },
      { path: 'steps[0].concurrency', message: expect.stringContaining('an unbounded fan-out is refused') },
      { path: 'steps[0].step.type', message: 'step must be an object whose type is one of http, publish, task, transform, subWorkflow' },
    ]);
    expect(errorsOf({ items: '${ input.x }', concurrency: 1000, step: { type: 'transform', output: 1, id: 'x' } })).toEqual([
      { path: 'steps[0].concurrency', message: expect.stringContaining('from 1 to 100') },
      { path: 'steps[0].step.id', message: "unknown field 'id'" },
    ]);
  });
});

describe('secrets in nested http steps', () => {
  it('are allowed in the with of http steps inside switch, parallel and forEach', () => {
    const http = (id?: string) => ({
      ...(id ? { id } : {}),
      type: 'http',
      with: { method: 'GET', url: 'http://x.test', headers: { Authorization: '${ secrets.token }' } },
    });
    const result = validateDefinition({
      name: 'c',
      steps: [
        { id: 'p', type: 'parallel', branches: [{ steps: [http('a')] }] },
        { id: 'each', type: 'forEach', items: '${ input.x }', concurrency: 1, step: http() },
      ],
    });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe('subWorkflow', () => {
  it('accepts a workflow name, an optional version and an input template', () => {
    const step = { id: 'kyc', type: 'subWorkflow', workflow: 'identity-check', version: 3, input: { customer: '${ input.customer }' } };
    expect(definitionOf(withStep(step)).steps).toEqual([step]);
    expect(definitionOf(withStep({ id: 'kyc', type: 'subWorkflow', workflow: 'identity-check' })).steps).toEqual([
      { id: 'kyc', type: 'subWorkflow', workflow: 'identity-check' },
    ]);
  });

  it('reports a missing or malformed workflow, a bad version and a bad input expression at their paths', () => {
    expect(errorsOf(withStep({ id: 'kyc', type: 'subWorkflow' }))).toEqual([
      { path: 'steps[0].workflow', message: 'workflow is required: the name of the workflow to run as a child' },
    ]);
    expect(errorsOf(withStep({ id: 'kyc', type: 'subWorkflow', workflow: 'Identity Check', version: 0, input: '${ input. }' }))).toEqual([
      { path: 'steps[0].workflow', message: "'Identity Check' is not a workflow name (lower-case letters, digits and '-')" },
      { path: 'steps[0].version', message: 'version must be a positive integer (absent: the latest version when the step starts)' },
      expect.objectContaining({ path: 'steps[0].input' }),
    ]);
  });

  it('may be the step a forEach runs per item', () => {
    const forEach = {
      id: 'each',
      type: 'forEach',
      items: '${ input.regions }',
      concurrency: 2,
      step: { type: 'subWorkflow', workflow: 'deploy' },
    };
    expect(definitionOf(withStep(forEach)).steps).toEqual([forEach]);
  });
});

describe('waitForEvent', () => {
  it('accepts an event type, a match condition and a timeout', () => {
    const step = {
      id: 'paid',
      type: 'waitForEvent',
      event: 'payment.captured',
      match: 'event.data.orderId = input.orderId',
      timeout: '24h',
    };
    expect(definitionOf(withStep(step)).steps).toEqual([step]);
  });

  it('reports a missing or malformed event type and a match that does not compile', () => {
    expect(errorsOf(withStep({ id: 'paid', type: 'waitForEvent' }))).toEqual([
      { path: 'steps[0].event', message: 'event is required: the CloudEvent type to wait for, e.g. payment.captured' },
    ]);
    expect(errorsOf(withStep({ id: 'paid', type: 'waitForEvent', event: 'payment.*', match: '${ event.id }' }))).toEqual([
      { path: 'steps[0].event', message: "invalid event type 'payment.*'; expected e.g. payment.captured" },
      { path: 'steps[0].match', message: 'conditions are bare expressions; write them without the surrounding ${ }' },
    ]);
  });

  it('cannot be run per item of a forEach', () => {
    const forEach = { id: 'each', type: 'forEach', items: '${ input.x }', concurrency: 2, step: { type: 'waitForEvent', event: 'a.b' } };
    expect(errorsOf(withStep(forEach))).toEqual([
      { path: 'steps[0].step.type', message: 'step must be an object whose type is one of http, publish, task, transform, subWorkflow' },
    ]);
  });
});

describe('parallel mode', () => {
  const branches = [{ steps: [{ id: 'a', type: 'transform', output: 1 }] }];

  it('accepts failFast and waitAll', () => {
    expect(definitionOf(withStep({ id: 'p', type: 'parallel', mode: 'waitAll', branches })).steps[0]).toMatchObject({ mode: 'waitAll' });
    expect(definitionOf(withStep({ id: 'p', type: 'parallel', branches })).steps[0]).not.toHaveProperty('mode');
  });

  it('reports an unknown mode at its path', () => {
    expect(errorsOf(withStep({ id: 'p', type: 'parallel', mode: 'eventually', branches }))).toEqual([
      { path: 'steps[0].mode', message: 'mode must be one of failFast, waitAll' },
    ]);
  });
});

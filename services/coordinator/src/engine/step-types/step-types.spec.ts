import { ExpressionError } from '@baton/dsl';
import type { StepDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { stepTypeOf } from './index';
import type { StepContext, StepStart } from './step-type';

const ctx: StepContext = {
  scope: { input: { token: 'abc123', retries: 3, flags: { beta: true }, host: 'svc.local' }, steps: {} },
  now: new Date('2026-03-01T10:00:00.000Z'),
  runId: 'run-7',
  workflow: 'orders',
};

function start(step: StepDefinition): Promise<StepStart> {
  return stepTypeOf(step).start(step, ctx);
}

describe('step types', () => {
  describe('http', () => {
    it('evaluates url, headers and body, sending header values as text and leaving out absent ones', async () => {
      const started = await start({
        id: 'call',
        type: 'http',
        with: {
          method: 'PUT',
          url: 'http://${ input.host }/items',
          headers: {
            authorization: 'Bearer ${ input.token }',
            'x-retries': '${ input.retries }',
            'x-flags': '${ input.flags }',
            'x-missing': '${ input.nothing }',
          },
          body: { flags: '${ input.flags }' },
        },
      });

      expect(started).toEqual({
        kind: 'dispatch',
        taskType: 'http',
        input: {
          method: 'PUT',
          url: 'http://svc.local/items',
          headers: { authorization: 'Bearer abc123', 'x-retries': '3', 'x-flags': '{"beta":true}' },
          body: { flags: { beta: true } },
          timeoutMs: 30_000,
        },
        timeoutMs: 30_000,
      });
    });

    it('takes the request timeout from `with.timeout`, else the step timeout, and the deadline from the step timeout', async () => {
      const both = await start({ id: 'a', type: 'http', timeout: '1m', with: { method: 'GET', url: 'http://x', timeout: '5s' } });
      expect(both).toMatchObject({ input: { timeoutMs: 5_000 }, timeoutMs: 60_000 });

      const stepOnly = await start({ id: 'b', type: 'http', timeout: '10s', with: { method: 'GET', url: 'http://x' } });
      expect(stepOnly).toMatchObject({ input: { timeoutMs: 10_000 }, timeoutMs: 10_000 });

      const requestOnly = await start({ id: 'c', type: 'http', with: { method: 'GET', url: 'http://x', timeout: '2s' } });
      expect(requestOnly).toMatchObject({ input: { timeoutMs: 2_000 }, timeoutMs: 2_000 });
    });

    it('rejects a url that does not evaluate to a string with an ExpressionError', async () => {
      await expect(start({ id: 'a', type: 'http', with: { method: 'GET', url: '${ input.flags }' } })).rejects.toThrow(
        new ExpressionError('${ input.flags }', 'runtime', 'url must evaluate to a string, got object'),
      );
    });
  });

  describe('publish', () => {
    it('derives the event type from a baton.events subject and names the run as the source', async () => {
      const started = await start({ id: 'p', type: 'publish', subject: 'baton.events.order.shipped', data: '${ input.retries }' });

      expect(started).toEqual({
        kind: 'dispatch',
        taskType: 'publish',
        input: { subject: 'baton.events.order.shipped', eventType: 'order.shipped', source: 'baton/orders/run-7', data: 3 },
        timeoutMs: 30_000,
      });
    });

    it('keeps an explicit event type and a subject outside baton.events as they are', async () => {
      const explicit = await start({ id: 'p', type: 'publish', subject: 'baton.events.a', eventType: 'custom.type' });
      expect(explicit).toMatchObject({ input: { eventType: 'custom.type' } });

      const elsewhere = await start({ id: 'q', type: 'publish', subject: 'audit.trail', timeout: '3s' });
      expect(elsewhere).toEqual({
        kind: 'dispatch',
        taskType: 'publish',
        input: { subject: 'audit.trail', eventType: 'audit.trail', source: 'baton/orders/run-7' },
        timeoutMs: 3_000,
      });
    });
  });

  describe('task', () => {
    it('dispatches to its task type with the evaluated input and a 5 minute default deadline', async () => {
      expect(await start({ id: 't', type: 'task', taskType: 'charge-card', input: { n: '${ input.retries }' } })).toEqual({
        kind: 'dispatch',
        taskType: 'charge-card',
        input: { n: 3 },
        timeoutMs: 300_000,
      });
      expect(await start({ id: 'u', type: 'task', taskType: 'slow', timeout: '1h' })).toMatchObject({ timeoutMs: 3_600_000 });
    });
  });

  describe('transform', () => {
    it('completes inline with the evaluated output', async () => {
      expect(await start({ id: 'x', type: 'transform', output: { twice: '${ input.retries * 2 }' } })).toEqual({
        kind: 'completed',
        output: { twice: 6 },
      });
    });
  });
});

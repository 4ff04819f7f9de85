import { createHmac } from 'node:crypto';
import type { RunLifecycleEvent } from '@baton/contracts';
import type { NotificationRule } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { buildWebhookRequest } from './webhook-request';

const failedEvent: RunLifecycleEvent = {
  runId: 'run-1',
  workflow: 'orders',
  version: 3,
  status: 'failed',
  error: { message: 'charge declined', stepId: 'charge' },
  occurredAt: '2026-01-01T00:00:00.000Z',
};

const rule: NotificationRule = {
  on: ['failed'],
  webhook: {
    url: 'http://ops.local/hooks',
    headers: { 'X-Team': 'payments', 'x-baton-signature': 'forged', 'content-type': 'text/plain' },
  },
};

const sentAt = new Date('2026-01-01T00:00:05.900Z');

describe('buildWebhookRequest', () => {
  it('describes the status change in the body and the headers', () => {
    const request = buildWebhookRequest({ event: failedEvent, status: 'failed', rule, deliveryId: 'run-1:failed:0', sentAt });

    expect(JSON.parse(request.body)).toEqual({
      type: 'baton.run.failed',
      runId: 'run-1',
      workflow: 'orders',
      version: 3,
      status: 'failed',
      error: { message: 'charge declined', stepId: 'charge' },
      occurredAt: '2026-01-01T00:00:00.000Z',
    });
    expect(Object.fromEntries(request.headers)).toEqual({
      'content-type': 'application/json',
      'x-baton-event': 'run.failed',
      'x-baton-delivery': 'run-1:failed:0',
      'x-baton-timestamp': '1767225605',
      'x-team': 'payments',
    });
    expect(request.url).toBe('http://ops.local/hooks');
  });

  it('includes the output of a completed run', () => {
    const completed: RunLifecycleEvent = { ...failedEvent, status: 'completed', error: undefined, output: { shipped: true } };

    const request = buildWebhookRequest({ event: completed, status: 'completed', rule, deliveryId: 'run-1:completed:0', sentAt });

    expect(JSON.parse(request.body)).toMatchObject({ type: 'baton.run.completed', output: { shipped: true } });
    expect(JSON.parse(request.body)).not.toHaveProperty('error');
  });

  it('signs the timestamp and the exact body with the signing key', () => {
    const request = buildWebhookRequest({
      event: failedEvent,
      status: 'failed',
      rule,
      deliveryId: 'run-1:failed:0',
      sentAt,
      signingKey: 'k3y',
    });

    const timestamp = request.headers.get('x-baton-timestamp');
    const expected = createHmac('sha256', 'k3y').update(`${timestamp}.${request.body}`).digest('hex');
    expect(request.headers.get('x-baton-signature')).toBe(`sha256=${expected}`);
  });
});

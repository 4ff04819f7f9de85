import { createHmac } from 'node:crypto';
import type { RunLifecycleEvent } from '@baton/contracts';
import type { WebhookChannel } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { notificationOf, type Notification } from './notification';
import { buildWebhookRequest } from './webhook-request';

const failedEvent: RunLifecycleEvent = {
  runId: 'run-1',
  workflow: 'orders',
  version: 3,
  status: 'failed',
  error: { message: 'charge declined', stepId: 'charge' },
  occurredAt: '2026-01-01T00:00:00.000Z',
};
const failed = notificationOf(failedEvent)!;

const webhook: WebhookChannel = {
  url: 'http://ops.local/hooks',
  headers: { 'X-Team': 'payments', 'x-baton-signature': 'forged', 'content-type': 'text/plain' },
};

const sentAt = new Date('2026-01-01T00:00:05.900Z');

describe('buildWebhookRequest', () => {
  it('describes the status change in the body and the headers', () => {
    const request = buildWebhookRequest({ notification: failed, webhook, deliveryId: 'run-1:failed:0', sentAt });

    expect(JSON.parse(request.body)).toEqual({
      type: 'baton.run.failed',
      event: 'failed',
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
    const completed: Notification = notificationOf({ ...failedEvent, status: 'completed', error: undefined, output: { shipped: true } })!;

    const request = buildWebhookRequest({ notification: completed, webhook, deliveryId: 'run-1:completed:0', sentAt });

    expect(JSON.parse(request.body)).toMatchObject({ type: 'baton.run.completed', output: { shipped: true } });
    expect(JSON.parse(request.body)).not.toHaveProperty('error');
  });

  it('signs the timestamp and the exact body with the signing key', () => {
    const request = buildWebhookRequest({
      notification: failed,
      webhook,
      deliveryId: 'run-1:failed:0',
      sentAt,
      signingKey: 'k3y',
    });

    const timestamp = request.headers.get('x-baton-timestamp');
    const expected = createHmac('sha256', 'k3y').update(`${timestamp}.${request.body}`).digest('hex');
    expect(request.headers.get('x-baton-signature')).toBe(`sha256=${expected}`);
  });

  it('names an SLA alert in the type and keeps the run status and the prediction', () => {
    const atRisk = notificationOf({
      ...failedEvent,
      status: 'running',
      error: undefined,
      event: 'sla_at_risk',
      sla: { deadline: '2026-01-01T00:10:00.000Z', predictedEndAt: '2026-01-01T00:12:00.000Z', breachProbability: 0.93 },
    })!;

    const request = buildWebhookRequest({ notification: atRisk, webhook, deliveryId: 'run-1:sla_at_risk:global:ops', sentAt });

    expect(JSON.parse(request.body)).toMatchObject({ type: 'baton.run.sla_at_risk', event: 'sla_at_risk', status: 'running' });
    expect(JSON.parse(request.body).sla.breachProbability).toBe(0.93);
    expect(request.headers.get('x-baton-event')).toBe('run.sla_at_risk');
  });

  it('has nothing to say about statuses no rule can name', () => {
    expect(notificationOf({ ...failedEvent, status: 'running' })).toBeUndefined();
    expect(notificationOf({ ...failedEvent, status: 'compensating' })).toBeUndefined();
  });
});

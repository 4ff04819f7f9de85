import type { RunLifecycleEvent, RunStatus } from '@baton/contracts';
import type { NotificationRule } from '@baton/dsl';
import type { Clock } from '@baton/runtime';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeliveriesRepository, FailedAttempt, NewDelivery } from './deliveries.repository';
import { DeliverRunNotificationsUseCase, PendingWebhooksError } from './deliver-run-notifications.use-case';
import type { DeliveryEntity } from './delivery.entity';
import type { NotificationRules } from './notification-rules';
import { Secrets } from '@baton/config';
import type { WebhookRequest } from './webhook-request';
import type { WebhookResult, WebhookSender } from './webhook-sender';

type StoredDelivery = Pick<DeliveryEntity, 'id' | 'status' | 'attempts' | 'lastError' | 'lastStatusCode' | 'url'>;

/** The repository's contract, kept in memory. */
class InMemoryDeliveries {
  readonly rows = new Map<string, StoredDelivery>();

  async open(delivery: NewDelivery): Promise<StoredDelivery> {
    if (!this.rows.has(delivery.id)) {
      this.rows.set(delivery.id, {
        id: delivery.id,
        url: delivery.url,
        status: 'pending',
        attempts: 0,
        lastError: null,
        lastStatusCode: null,
      });
    }
    return { ...this.rows.get(delivery.id)! };
  }

  async recordDelivered(id: string, statusCode: number): Promise<void> {
    const row = this.rows.get(id)!;
    this.rows.set(id, { ...row, status: 'delivered', attempts: row.attempts + 1, lastStatusCode: statusCode, lastError: null });
  }

  async recordFailure(id: string, attempt: FailedAttempt): Promise<void> {
    const row = this.rows.get(id)!;
    this.rows.set(id, {
      ...row,
      status: attempt.final ? 'failed' : 'pending',
      attempts: row.attempts + 1,
      lastError: attempt.error,
      lastStatusCode: attempt.statusCode ?? null,
    });
  }
}

const event = (status: RunStatus): RunLifecycleEvent => ({
  runId: 'run-1',
  workflow: 'orders',
  version: 2,
  status,
  occurredAt: '2026-01-01T00:00:00.000Z',
});

const rules: NotificationRule[] = [
  { on: ['failed'], webhook: { url: 'http://ops.local/a', secret: '${ secrets.opsHook }' } },
  { on: ['completed'], webhook: { url: 'http://ops.local/b' } },
  { on: ['completed', 'failed'], webhook: { url: 'http://ops.local/c' } },
];

describe('DeliverRunNotificationsUseCase', () => {
  let deliveries: InMemoryDeliveries;
  let sent: WebhookRequest[];
  let answers: Record<string, WebhookResult>;
  let ruleLookups: number;
  let useCase: DeliverRunNotificationsUseCase;

  beforeEach(() => {
    deliveries = new InMemoryDeliveries();
    sent = [];
    answers = {};
    ruleLookups = 0;
    const sender = {
      send: async (request: WebhookRequest) => {
        sent.push(request);
        return answers[request.url] ?? { delivered: true, statusCode: 200 };
      },
    } as unknown as WebhookSender;
    const notificationRules = {
      of: async () => {
        ruleLookups += 1;
        return rules;
      },
    } as unknown as NotificationRules;
    const clock: Clock = { now: () => new Date('2026-01-01T00:00:10.000Z') };
    useCase = new DeliverRunNotificationsUseCase(
      notificationRules,
      deliveries as unknown as DeliveriesRepository,
      sender,
      Secrets.fromEnvironment({ BATON_SECRET_opsHook: 'hook-key' }),
      clock,
    );
  });

  it('sends the webhooks whose rules name the status, signed when the rule has a secret', async () => {
    await useCase.execute(event('failed'), { finalAttempt: false });

    const [signed, unsigned] = [...sent].sort((a, b) => a.url.localeCompare(b.url));
    expect([signed.url, unsigned.url]).toEqual(['http://ops.local/a', 'http://ops.local/c']);
    expect(signed.headers.get('x-baton-signature')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(unsigned.headers.has('x-baton-signature')).toBe(false);
    expect(unsigned.headers.get('x-baton-delivery')).toBe('run-1:failed:2');
    expect(deliveries.rows.size).toBe(2);
    expect(deliveries.rows.get('run-1:failed:0')).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    expect(deliveries.rows.get('run-1:failed:2')).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
  });

  it('does nothing for statuses no rule can name', async () => {
    await useCase.execute(event('running'), { finalAttempt: false });

    expect(sent).toEqual([]);
    expect(ruleLookups).toBe(0);
  });

  it('records a failed webhook and throws so the event comes back, then re-sends only that one', async () => {
    answers['http://ops.local/c'] = { delivered: false, statusCode: 503, error: 'HTTP 503 Service Unavailable: busy' };

    await expect(useCase.execute(event('completed'), { finalAttempt: false })).rejects.toBeInstanceOf(PendingWebhooksError);
    expect(deliveries.rows.get('run-1:completed:2')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'HTTP 503 Service Unavailable: busy',
      lastStatusCode: 503,
    });

    delete answers['http://ops.local/c'];
    sent = [];
    await useCase.execute(event('completed'), { finalAttempt: false });

    expect(sent.map((request) => request.url)).toEqual(['http://ops.local/c']);
    expect(deliveries.rows.get('run-1:completed:1')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(deliveries.rows.get('run-1:completed:2')).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
  });

  it('marks the delivery failed on the last delivery of the event, and still throws', async () => {
    answers['http://ops.local/b'] = { delivered: false, error: 'POST http://ops.local/b failed: ECONNREFUSED' };

    await expect(useCase.execute(event('completed'), { finalAttempt: true })).rejects.toThrow('run-1:completed:1');
    expect(deliveries.rows.get('run-1:completed:1')).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
  });

  it('gives up at once, unsigned webhook unsent, when the secret does not resolve', async () => {
    useCase = new DeliverRunNotificationsUseCase(
      { of: async () => rules } as unknown as NotificationRules,
      deliveries as unknown as DeliveriesRepository,
      { send: async (request: WebhookRequest) => (sent.push(request), { delivered: true, statusCode: 200 }) } as unknown as WebhookSender,
      Secrets.fromEnvironment({}),
      { now: () => new Date() },
    );

    await useCase.execute(event('failed'), { finalAttempt: false });

    expect(sent.map((request) => request.url)).toEqual(['http://ops.local/c']);
    expect(deliveries.rows.get('run-1:failed:0')).toMatchObject({ status: 'failed', attempts: 1 });
  });
});

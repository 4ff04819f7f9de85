import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { HttpTarget } from './support/http-target';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { Platform, type RunBody } from './support/platform';

/**
 * A booking saga triggered by an event: `hold` is retried twice before it succeeds, `charge`
 * succeeds, `confirm` fails for good, so `charge` and `hold` are compensated; a webhook hears of it.
 */
const booking = (target: HttpTarget) => `
name: trip-booking
triggers:
  - event: trip.requested
steps:
  - id: hold
    type: http
    with: { method: POST, url: "${target.url('/hold')}" }
    retry: { maxAttempts: 3, backoff: fixed, initialInterval: 100ms }
    compensate: { type: http, with: { method: POST, url: "${target.url('/release')}" } }
  - id: charge
    type: http
    with: { method: POST, url: "${target.url('/charge')}", headers: { Authorization: "Bearer \${ secrets.paymentsToken }" } }
    compensate: { type: http, with: { method: POST, url: "${target.url('/refund')}" } }
  - id: confirm
    type: http
    with: { method: POST, url: "${target.url('/confirm')}" }
notifications:
  - on: [compensated]
    webhook: { url: "${target.url('/hooks/ops')}" }
`;

const approvalFlow = `
name: trip-approval
steps:
  - id: manager
    type: approval
  - id: done
    type: transform
    output: { approved: true }
`;

const paymentWait = `
name: trip-payment
steps:
  - id: paid
    type: waitForEvent
    event: trip.paid
    match: event.data.tripId = input.tripId
    timeout: 30s
`;

const PAYMENTS_TOKEN = 'tok-live-9f8e7d6c5b4a';

describe('observability: one trace per run, metrics and logs', () => {
  let platform: Platform;
  let target: HttpTarget;
  let otlp: OtlpReceiver;
  let nc: NatsConnection;
  let holdCalls = 0;

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    target = await HttpTarget.start();
    target.respondWith((request) => {
      if (request.path === '/hold') return { status: ++holdCalls <= 2 ? 503 : 200, body: { hold: 'h-1' } };
      if (request.path === '/confirm') return { status: 409, body: { error: 'no seats' } };
      return { status: 200, body: {} };
    });
    platform = await Platform.start({
      otlpEndpoint: otlp.endpoint,
      env: { BATON_SECRET_paymentsToken: PAYMENTS_TOKEN, BATON_LOG_LEVEL: 'log' },
    });
    nc = await platform.nats();
    for (const definition of [booking(target), approvalFlow, paymentWait]) {
      expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    }
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.cleanup();
    await target?.close();
    await otlp?.close();
  });

  let run: RunBody;
  let traceId: string;
  let publisherSpanId: string;

  it('puts a whole saga in one trace: the publisher span, every service, queue waits, each attempt, the compensation and the webhook', async () => {
    traceId = randomBytes(16).toString('hex');
    publisherSpanId = randomBytes(8).toString('hex');
    await publishEvent(
      nc,
      platform.subject('baton.events.trip.requested'),
      cloudEvent('trip.requested', { tripId: 't-1' }),
      `00-${traceId}-${publisherSpanId}-01`,
    );
    [run] = await platform.waitForRuns('trip-booking', 1);
    run = await platform.waitForRun(run.id, ['compensated']);
    expect(run.traceId).toBe(traceId);

    // The downstream services saw the run's trace id, the compensations included.
    await expect.poll(() => target.requests.filter((r) => r.path === '/hooks/ops').length, { timeout: 15_000 }).toBe(1);
    for (const request of target.requests) {
      expect(String(request.headers['traceparent'])).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
    }

    const spans = (): ReceivedSpan[] => otlp.spansOfTrace(traceId);
    const services = () => [...new Set(spans().map((s) => s.service))].sort();
    await expect
      .poll(services, { timeout: 15_000 })
      .toEqual(['baton-coordinator', 'baton-executor', 'baton-notifier', 'baton-registry', 'baton-scheduler']);
    // No span of the run's trace is an orphan: each parent is the publisher's span or one recorded.
    await expect.poll(() => spans().some((s) => s.name === 'notify webhook run.compensated'), { timeout: 15_000 }).toBe(true);
    const ids = new Set([publisherSpanId, ...spans().map((s) => s.spanId)]);
    expect(spans().filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))).toEqual([]);
    expect(spans().filter((s) => s.parentSpanId === undefined)).toEqual([]);

    const queueWaits = spans().filter((s) => s.name.startsWith('queue wait '));
    expect(new Set(queueWaits.map((s) => s.name))).toEqual(
      expect.objectContaining(
        new Set(['queue wait scheduler-event-triggers', 'queue wait executor-http', 'queue wait coordinator-task-results']),
      ),
    );

    const executorSpansOf = (stepId: string) =>
      spans().filter((s) => s.service === 'baton-executor' && s.name === 'task http' && s.attributes['baton.step_id'] === stepId);
    expect(
      executorSpansOf('hold')
        .map((s) => s.attributes['baton.attempt'])
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(executorSpansOf('charge.compensate')).toHaveLength(1);
    expect(executorSpansOf('hold.compensate')).toHaveLength(1);
    // The retry back-off was a durable timer: its wait is a span of the run's trace too.
    expect(spans().filter((s) => s.name === 'timer baton.cmd.step-due').length).toBeGreaterThanOrEqual(2);
    expect(
      spans().every((s) => s.service !== 'baton-coordinator' || !s.name.startsWith('run ') || s.attributes['baton.run_id'] === run.id),
    ).toBe(true);
  });

  it('records an operation over the API (an approval signal) in the run trace, linked to the caller', async () => {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'trip-approval', input: {} });
    expect(started.status).toBe(201);
    const waiting = await platform.waitForRun(started.body.id, ['running']);
    const callerTrace = randomBytes(16).toString('hex');
    const signalled = await platform.api(
      'POST',
      `/v1/runs/${waiting.id}/signals/manager`,
      { decision: 'approved', by: 'ana' },
      {
        traceparent: `00-${callerTrace}-${randomBytes(8).toString('hex')}-01`,
      },
    );
    expect(signalled.status).toBe(200);
    const done = await platform.waitForRun(waiting.id);
    expect(done.status).toBe('completed');
    await expect.poll(() => otlp.spansOfTrace(done.traceId!).some((s) => s.name === 'run SignalReceived'), { timeout: 15_000 }).toBe(true);
    expect(otlp.spansOfTrace(callerTrace).some((s) => s.name === 'run SignalReceived')).toBe(false);
  });

  it('records a correlated business event in the waiting run trace, linked to the publisher', async () => {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'trip-payment', input: { tripId: 't-9' } });
    await platform.waitForRun(started.body.id, ['running']);
    const publisherTrace = randomBytes(16).toString('hex');
    await publishEvent(
      nc,
      platform.subject('baton.events.trip.paid'),
      cloudEvent('trip.paid', { tripId: 't-9' }),
      `00-${publisherTrace}-${randomBytes(8).toString('hex')}-01`,
    );
    const done = await platform.waitForRun(started.body.id);
    expect(done.status).toBe('completed');
    await expect.poll(() => otlp.spansOfTrace(done.traceId!).some((s) => s.name === 'run EventReceived'), { timeout: 15_000 }).toBe(true);
    expect(otlp.spansOfTrace(publisherTrace).some((s) => s.name === 'run EventReceived')).toBe(false);
  });

  it('counts the workload in /metrics', async () => {
    const { status, text } = await scrape(platform);
    expect(status).toBe(200);
    expect(sample(text, 'baton_runs_started_total', { workflow: 'trip-booking' })).toBe(1);
    expect(sample(text, 'baton_runs_ended_total', { workflow: 'trip-booking', status: 'compensated' })).toBe(1);
    expect(sample(text, 'baton_runs_ended_total', { workflow: 'trip-approval', status: 'completed' })).toBe(1);
    expect(sample(text, 'baton_step_attempts_total', { workflow: 'trip-booking', step_type: 'http', outcome: 'failed' })).toBe(3);
    expect(sample(text, 'baton_step_attempts_total', { workflow: 'trip-booking', step_type: 'http', outcome: 'completed' })).toBe(2);
    expect(sample(text, 'baton_step_duration_seconds_count', { workflow: 'trip-booking', step_type: 'http', status: 'completed' })).toBe(2);
    expect(sample(text, 'baton_run_duration_seconds_count', { workflow: 'trip-booking', status: 'compensated' })).toBe(1);
    expect(sample(text, 'baton_notification_deliveries_total', { channel: 'webhook', outcome: 'delivered' })).toBe(1);
    expect(sample(text, 'baton_timer_lateness_seconds_count', { schema: 'coordinator' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'baton_queue_wait_seconds_count', { consumer: 'executor-http' })).toBeGreaterThanOrEqual(7);
    expect(sample(text, 'baton_consumer_pending_messages', { consumer: 'executor-http' })).toBe(0);
    expect(sample(text, 'baton_outbox_backlog', { schema: 'coordinator' })).toBe(0);
    expect(sample(text, 'baton_http_request_duration_seconds_count', { method: 'POST', route: '/v1/runs', status: '201' })).toBe(2);
  });

  it('writes JSON log lines with trace and run ids, and never a secret', () => {
    const lines = platform.logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.every((line) => typeof line.level === 'string' && typeof line.time === 'string' && typeof line.msg === 'string')).toBe(
      true,
    );
    // Failed attempts and the run's end are logged inside the run's trace, with its run and step.
    const runLines = lines.filter((line) => line.run_id === run.id);
    expect(runLines.every((line) => line.trace_id === traceId && typeof line.span_id === 'string')).toBe(true);
    expect(runLines.filter((line) => line.level === 'warn' && line.step_id === 'hold').map((line) => line.msg)).toEqual([
      expect.stringMatching(/^step hold attempt 1 failed: HTTP 503/),
      expect.stringMatching(/^step hold attempt 2 failed: HTTP 503/),
    ]);
    expect(runLines.some((line) => line.msg === `run ${run.id} of trip-booking ended compensated`)).toBe(true);
    // One line per API request, with its route and status.
    expect(
      lines.some(
        (line) =>
          (line.req as { url?: string } | undefined)?.url === '/v1/runs' &&
          (line.res as { statusCode?: number } | undefined)?.statusCode === 201,
      ),
    ).toBe(true);
    expect(platform.logs).not.toContain(PAYMENTS_TOKEN);
  });
});

async function scrape(platform: Platform): Promise<{ status: number; text: string }> {
  const response = await fetch(`${platform.baseUrl}/metrics`);
  return { status: response.status, text: await response.text() };
}

/** The value of one Prometheus sample with exactly these labels (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2].split(/,(?=[a-z_]+=)/).sort();
    if (present.length === wanted.length && present.every((label, i) => label === wanted[i])) return Number(match[3]);
  }
  return 0;
}

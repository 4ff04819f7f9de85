import { createHmac, randomBytes } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { HttpTarget } from './support/http-target';
import { OtlpReceiver } from './support/otlp-receiver';
import { Platform, sleep, type RunBody } from './support/platform';

const fulfilment = (target: HttpTarget) => `
name: order-fulfilment
description: Reserve stock over HTTP, then announce the reservation
triggers:
  - event: order.created
    filter: event.data.total > 0
    input: { orderId: "\${ event.data.orderId }", total: "\${ event.data.total }" }
steps:
  - id: price
    type: transform
    output: { amount: "\${ input.total * 100 }" }
  - id: reserve
    type: http
    with:
      method: POST
      url: "${target.url('/reserve')}"
      body: { orderId: "\${ input.orderId }", cents: "\${ steps.price.output.amount }" }
  - id: announce
    type: publish
    subject: tests.reservations
    data: { orderId: "\${ input.orderId }", reservation: "\${ steps.reserve.output.body.reservation }" }
output: { reservation: "\${ steps.reserve.output.body.reservation }" }
notifications:
  - on: [completed]
    webhook: { url: "${target.url('/hooks/baton')}", secret: "\${ secrets.opsHook }" }
`;

const HOOK_SECRET = 's3cret-for-tests';

describe('an event-triggered workflow, end to end', () => {
  let platform: Platform;
  let target: HttpTarget;
  let otlp: OtlpReceiver;
  let nc: NatsConnection;
  let announcements: Subscription;
  const announced: unknown[] = [];

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    target = await HttpTarget.start();
    target.respondWith((request) => ({ status: 200, body: { reservation: `r-${JSON.parse(request.body).orderId}` } }));
    platform = await Platform.start({ otlpEndpoint: otlp.endpoint, env: { BATON_SECRET_opsHook: HOOK_SECRET } });
    nc = await platform.nats();
    announcements = nc.subscribe(platform.subject('tests.reservations'), { callback: (_e, msg) => void announced.push(msg.json()) });
    const registered = await platform.api('POST', '/v1/definitions', fulfilment(target));
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    announcements?.unsubscribe();
    await nc?.close();
    await platform?.cleanup();
    await target?.close();
    await otlp?.close();
  });

  it('registers YAML as version 1 and re-registering identical content is a no-op', async () => {
    const again = await platform.api<{ version: number; created: boolean }>('POST', '/v1/definitions', fulfilment(target));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 1, created: false });
    const fetched = await platform.api<{ name: string; version: number }>('GET', '/v1/definitions/order-fulfilment/versions/1');
    expect(fetched.body).toMatchObject({ name: 'order-fulfilment', version: 1 });
  });

  it('runs a CloudEvent from NATS through transform, http and publish, continuing the publisher trace', async () => {
    const orderId = `o-${randomBytes(3).toString('hex')}`;
    const publisherTraceId = randomBytes(16).toString('hex');
    const traceparent = `00-${publisherTraceId}-${randomBytes(8).toString('hex')}-01`;
    await publishEvent(
      nc,
      platform.subject('baton.events.order.created'),
      cloudEvent('order.created', { orderId, total: 12.5 }),
      traceparent,
    );

    const [summary] = await platform.waitForRuns('order-fulfilment', 1);
    const run = await platform.waitForRun(summary.id);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ reservation: `r-${orderId}` });
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['price', 'completed', 1],
      ['reserve', 'completed', 1],
      ['announce', 'completed', 1],
    ]);

    const [call] = target.requestsTo('/reserve');
    expect(JSON.parse(call.body)).toEqual({ orderId, cents: 1250 });
    expect(call.headers['idempotency-key']).toBe(`${run.id}:reserve:1`);
    expect(String(call.headers['traceparent'])).toMatch(new RegExp(`^00-${publisherTraceId}-[0-9a-f]{16}-0[01]$`));

    await expect.poll(() => announced.length).toBe(1);
    expect(announced[0]).toMatchObject({ specversion: '1.0', type: 'tests.reservations', data: { orderId, reservation: `r-${orderId}` } });

    expect(run.traceId).toBe(publisherTraceId);
    await expect
      .poll(() => [...new Set(otlp.spansOfTrace(publisherTraceId).map((s) => s.service))].sort(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['baton-coordinator', 'baton-executor', 'baton-notifier', 'baton-scheduler']));
    const publisherSpanId = traceparent.split('-')[2];
    // The publisher's span is the parent of the scheduler's (which starts the run) and of the
    // coordinator's (which offers every event to waitForEvent steps).
    const children = otlp.spansOfTrace(publisherTraceId).filter((s) => s.parentSpanId === publisherSpanId);
    expect([...new Set(children.map((s) => s.service))].sort()).toEqual(['baton-coordinator', 'baton-scheduler']);
    await expect.poll(() => target.requestsTo('/hooks/baton').length).toBe(1);
    const [hook] = target.requestsTo('/hooks/baton');
    const signed = `${hook.headers['x-baton-timestamp']}.${hook.body}`;
    expect(hook.headers['x-baton-signature']).toBe(`sha256=${createHmac('sha256', HOOK_SECRET).update(signed).digest('hex')}`);
    expect(JSON.parse(hook.body)).toMatchObject({ runId: run.id, status: 'completed', workflow: 'order-fulfilment' });

    const history = await platform.api<{ items: { type: string }[] }>('GET', `/v1/runs/${run.id}/history`);
    expect(history.body.items.map((h) => h.type)).toEqual([
      'RunStarted',
      'StepStarted',
      'StepCompleted',
      'StepStarted',
      'StepCompleted',
      'StepStarted',
      'StepCompleted',
      'RunCompleted',
    ]);
  });

  it('starts one run for an event published twice, and none when the filter rejects it', async () => {
    const before = (await platform.waitForRuns('order-fulfilment', 1)).length;
    const event = cloudEvent('order.created', { orderId: 'dup-1', total: 3 });
    const nc2 = await platform.nats();
    await publishEvent(nc2, platform.subject('baton.events.order.created'), event);
    await sleep(200);
    // A second publish of the same envelope with a different Nats-Msg-Id gets past stream dedupe:
    // the scheduler's deterministic run id must still catch it.
    await publishEvent(nc2, platform.subject('baton.events.order.created'), { ...event, id: event.id }, undefined);
    await platform.api('POST', '/v1/events', event);
    await publishEvent(nc2, platform.subject('baton.events.order.created'), cloudEvent('order.created', { orderId: 'free', total: 0 }));
    await nc2.close();
    await sleep(1500);
    const runs = await platform.waitForRuns('order-fulfilment', before + 1);
    expect(runs.length).toBe(before + 1);
  });

  it('returns the first run for a repeated idempotency key', async () => {
    const request = { workflow: 'order-fulfilment', input: { orderId: 'api-1', total: 1 }, idempotencyKey: 'checkout-42' };
    const first = await platform.api<RunBody>('POST', '/v1/runs', request);
    const second = await platform.api<RunBody>('POST', '/v1/runs', request);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const run = await platform.waitForRun(first.body.id);
    expect(run.status).toBe('completed');
    expect(target.requestsTo('/reserve').filter((r) => r.body.includes('api-1'))).toHaveLength(1);
  });

  it('resolves secrets only at call time: the target gets the value, run state and history never hold it', async () => {
    const definition = {
      name: 'authorised-call',
      steps: [
        {
          id: 'call',
          type: 'http',
          with: {
            method: 'POST',
            url: target.url('/secure'),
            headers: { Authorization: 'Bearer ${ secrets.opsHook }' },
            body: { who: '${ input.who }' },
          },
        },
      ],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'authorised-call', input: { who: 'ada' } });
    const run = await platform.waitForRun(started.body.id);
    expect(run.status).toBe('completed');
    expect(target.requestsTo('/secure')[0].headers.authorization).toBe(`Bearer ${HOOK_SECRET}`);
    const history = await platform.api('GET', `/v1/runs/${run.id}/history`);
    expect(JSON.stringify(run)).not.toContain(HOOK_SECRET);
    expect(JSON.stringify(history.body)).not.toContain(HOOK_SECRET);
    expect(run.steps[0].input).toMatchObject({ headers: { Authorization: 'Bearer ${ secrets.opsHook }' } });

    const leaky = { name: 'leaky', steps: [{ id: 'copy', type: 'transform', output: { token: '${ secrets.opsHook }' } }] };
    const refused = await platform.api<{ errors: { path: string }[] }>('POST', '/v1/definitions', leaky);
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e) => e.path)).toEqual(['steps[0].output.token']);
  });

  it('rejects an invalid definition with every error and its path', async () => {
    const { status, body, headers } = await platform.api<{ errors: { path: string; message: string }[] }>('POST', '/v1/definitions', {
      name: 'Bad Name',
      steps: [
        { id: 'a', type: 'http', with: { method: 'POST', url: '${ input.( }' }, needs: ['b'] },
        { id: 'b', type: 'teleport', needs: ['a'] },
      ],
    });
    expect(status).toBe(400);
    expect(headers.get('content-type')).toContain('application/problem+json');
    const paths = body.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'steps[0].with.url', 'steps[1].type']));
  });

  it('answers bad JSON and a malformed event with 400 problems', async () => {
    const response = await fetch(`${platform.baseUrl}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"workflow": ',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const event = await platform.api<{ errors: { path: string }[] }>('POST', '/v1/events', { specversion: '1.0', type: 'order.created' });
    expect(event.status).toBe(400);
    expect(event.body.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['id', 'source']));
  });

  it('records a malformed event from NATS as rejected with its reason', async () => {
    const nc2 = await platform.nats();
    await publishEvent(nc2, platform.subject('baton.events.order.created'), 'this is not json');
    await publishEvent(nc2, platform.subject('baton.events.order.created'), { specversion: '1.0', id: 'x', type: 'order.created' });
    await nc2.close();
    await expect
      .poll(async () => (await platform.api<{ items: { reason: string }[] }>('GET', '/v1/events/rejected')).body.items.map((i) => i.reason))
      .toEqual(expect.arrayContaining([expect.stringContaining('not valid JSON'), 'not a valid CloudEvents 1.0 envelope']));
  });

  it('refuses a body over the size limit with 413 and stays ready', async () => {
    const huge = { workflow: 'order-fulfilment', input: { blob: 'x'.repeat(2 * 1024 * 1024) } };
    const response = await platform.api('POST', '/v1/runs', huge);
    expect(response.status).toBe(413);
    expect((await platform.api('GET', '/health/ready')).status).toBe(200);
  });
});

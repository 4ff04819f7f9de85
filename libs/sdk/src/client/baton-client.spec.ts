import type { RunView } from '@baton/contracts';
import { describe, expect, it } from 'vitest';
import { BatonApiError } from './baton-api-error';
import { BatonClient, RunWaitTimeoutError } from './baton-client';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

type Answer = { status: number; body?: unknown; statusText?: string };

/** A fetch that records each request and answers from the queue (the last answer repeats). */
function fakeFetch(...answers: Answer[]) {
  const calls: Call[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    calls.push({
      url: String(input),
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    });
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return new Response(answer.status === 204 ? null : text, { status: answer.status, statusText: answer.statusText });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const run = (status: RunView['status']) => ({ id: 'r-1', workflow: 'w', version: 1, status, input: {}, steps: [] }) as unknown as RunView;

describe('BatonClient', () => {
  it('sends definitions as JSON when given an object and as YAML when given text', async () => {
    const { fetch, calls } = fakeFetch({ status: 201, body: { name: 'w', version: 1, created: true } });
    const client = new BatonClient({ baseUrl: 'http://baton.local:8080/', fetch });
    await client.registerDefinition({ name: 'w', steps: [] });
    await client.registerDefinition('name: w\nsteps: []\n');
    await client.validateDefinition('name: w');
    expect(calls.map((c) => [c.method, c.url, c.headers['content-type']])).toEqual([
      ['POST', 'http://baton.local:8080/v1/definitions', 'application/json'],
      ['POST', 'http://baton.local:8080/v1/definitions', 'application/yaml'],
      ['POST', 'http://baton.local:8080/v1/definitions/validate', 'application/yaml'],
    ]);
    expect(JSON.parse(calls[0].body!)).toEqual({ name: 'w', steps: [] });
    expect(calls[1].body).toBe('name: w\nsteps: []\n');
  });

  it('builds the paths and queries of the read calls, leaving out what is not set', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: { items: [], nextCursor: null } });
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    await client.getDefinition('order-fulfilment');
    await client.getDefinition('order-fulfilment', 3);
    await client.listDefinitions({ limit: 10 });
    await client.listRuns({ workflow: 'order-fulfilment', status: 'failed', cursor: 'abc=', limit: undefined });
    await client.listRuns();
    await client.getRun('run/1');
    await client.runHistory('r-1', { cursor: 'c1' });
    expect(calls.map((c) => c.url.replace('http://baton.local', ''))).toEqual([
      '/v1/definitions/order-fulfilment',
      '/v1/definitions/order-fulfilment/versions/3',
      '/v1/definitions?limit=10',
      '/v1/runs?workflow=order-fulfilment&status=failed&cursor=abc%3D',
      '/v1/runs',
      '/v1/runs/run%2F1',
      '/v1/runs/r-1/history?cursor=c1',
    ]);
  });

  it('sends the API key as a bearer token', async () => {
    const { fetch, calls } = fakeFetch({ status: 202, body: { id: 'e1', source: 's', type: 't', duplicate: false } });
    const client = new BatonClient({ baseUrl: 'http://baton.local', apiKey: 'k-123', fetch });
    await client.publishEvent({ specversion: '1.0', id: 'e1', source: 's', type: 't' });
    expect(calls[0].headers['authorization']).toBe('Bearer k-123');
  });

  it('tells a new run from one an idempotency key had started', async () => {
    const { fetch, calls } = fakeFetch({ status: 201, body: run('running') }, { status: 200, body: run('completed') });
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    const request = { workflow: 'w', input: { a: 1 }, idempotencyKey: 'k' };
    expect(await client.startRun(request)).toMatchObject({ id: 'r-1', created: true });
    expect(await client.startRun(request)).toMatchObject({ id: 'r-1', created: false, status: 'completed' });
    expect(JSON.parse(calls[0].body!)).toEqual(request);
  });

  it('operates runs: cancel (with an optional reason), retry, pause, resume and signal', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: run('running') });
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    await client.cancelRun('r-1', 'customer cancelled');
    await client.cancelRun('r-1');
    await client.retryRun('r-1');
    await client.pauseRun('r/1');
    await client.resumeRun('r-1');
    expect(await client.signalRun('r-1', 'manager', { decision: 'approved', by: 'ada', comment: 'ok' })).toMatchObject({ id: 'r-1' });
    expect(calls.map((c) => [c.method, c.url.replace('http://baton.local', ''), c.body])).toEqual([
      ['POST', '/v1/runs/r-1/cancel', '{"reason":"customer cancelled"}'],
      ['POST', '/v1/runs/r-1/cancel', '{}'],
      ['POST', '/v1/runs/r-1/retry', undefined],
      ['POST', '/v1/runs/r%2F1/pause', undefined],
      ['POST', '/v1/runs/r-1/resume', undefined],
      ['POST', '/v1/runs/r-1/signals/manager', '{"decision":"approved","by":"ada","comment":"ok"}'],
    ]);
    expect(calls[5].headers['content-type']).toBe('application/json');
  });

  it('lists and operates schedules, sending backfill instants as RFC 3339', async () => {
    const { fetch, calls } = fakeFetch(
      { status: 200, body: { items: [{ id: 'nightly.0', paused: false }] } },
      { status: 200, body: {} },
      { status: 200, body: {} },
      { status: 200, body: {} },
      { status: 202, body: { runIds: ['a'] } },
      { status: 202, body: { runIds: ['b', 'c'] } },
    );
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    expect((await client.listSchedules()).items).toEqual([{ id: 'nightly.0', paused: false }]);
    await client.listSchedules('nightly');
    await client.pauseSchedule('nightly.0');
    await client.resumeSchedule('nightly.0');
    expect(await client.triggerSchedule('nightly.0')).toEqual({ runIds: ['a'] });
    expect(await client.backfillSchedule('nightly.0', new Date('2026-11-16T00:00:00Z'), '2026-11-22T23:59:59Z')).toEqual({
      runIds: ['b', 'c'],
    });
    expect(calls.map((c) => [c.method, c.url.replace('http://baton.local', '')])).toEqual([
      ['GET', '/v1/schedules'],
      ['GET', '/v1/schedules?workflow=nightly'],
      ['POST', '/v1/schedules/nightly.0/pause'],
      ['POST', '/v1/schedules/nightly.0/resume'],
      ['POST', '/v1/schedules/nightly.0/trigger'],
      ['POST', '/v1/schedules/nightly.0/backfill'],
    ]);
    expect(JSON.parse(calls[5].body!)).toEqual({ from: '2026-11-16T00:00:00.000Z', to: '2026-11-22T23:59:59Z' });
  });

  it('reads insights, deliveries, rejected events and the audit log', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: { items: [], nextCursor: null } });
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    await client.getInsights('order-fulfilment');
    await client.getInsights('order-fulfilment', '1h');
    await client.listDeliveries();
    await client.listDeliveries({ status: 'dead_lettered', workflow: 'w', runId: 'r-1', limit: 20 });
    await client.listRejectedEvents();
    await client.listRejectedEvents({ limit: 5, cursor: 'c' });
    await client.listAudit({ limit: 100 });
    expect(calls.map((c) => c.url.replace('http://baton.local', ''))).toEqual([
      '/v1/insights/order-fulfilment',
      '/v1/insights/order-fulfilment?window=1h',
      '/v1/notifications/deliveries',
      '/v1/notifications/deliveries?status=dead_lettered&workflow=w&runId=r-1&limit=20',
      '/v1/events/rejected',
      '/v1/events/rejected?limit=5&cursor=c',
      '/v1/audit?limit=100',
    ]);
  });

  it('manages global notification rules, telling a created rule from a replaced one', async () => {
    const saved = { name: 'ops', on: ['failed'], nats: { subject: 'ops.alerts' }, createdAt: 't', updatedAt: 't' };
    const { fetch, calls } = fakeFetch(
      { status: 201, body: saved },
      { status: 200, body: saved },
      { status: 200, body: { items: [saved] } },
      { status: 204 },
    );
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    const rule = { on: ['failed' as const], workflows: ['w'], nats: { subject: 'ops.alerts' } };
    expect(await client.putNotificationRule('ops', rule)).toMatchObject({ name: 'ops', created: true });
    expect(await client.putNotificationRule('ops', rule)).toMatchObject({ name: 'ops', created: false });
    expect((await client.listNotificationRules()).items).toHaveLength(1);
    expect(await client.deleteNotificationRule('ops')).toBeUndefined();
    expect(calls.map((c) => [c.method, c.url.replace('http://baton.local', '')])).toEqual([
      ['PUT', '/v1/notifications/rules/ops'],
      ['PUT', '/v1/notifications/rules/ops'],
      ['GET', '/v1/notifications/rules'],
      ['DELETE', '/v1/notifications/rules/ops'],
    ]);
    expect(JSON.parse(calls[0].body!)).toEqual(rule);
  });

  it('reads readiness as ready or not, and throws for any other answer', async () => {
    const details = { nats: { status: 'up' }, coordinator: { status: 'down', message: 'timeout' } };
    const { fetch, calls } = fakeFetch(
      { status: 200, body: { status: 'ok', details: { nats: { status: 'up' } } } },
      { status: 503, body: { status: 'error', details } },
      { status: 404, statusText: 'Not Found', body: 'no such route' },
    );
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    expect(await client.readiness()).toEqual({ ready: true, status: 200, details: { nats: { status: 'up' } } });
    expect(await client.readiness()).toEqual({ ready: false, status: 503, details });
    expect(await client.readiness().catch((e: unknown) => e)).toBeInstanceOf(BatonApiError);
    expect(calls[0].url).toBe('http://baton.local/health/ready');
  });

  it('throws the RFC 9457 problem of an error answer, with every field error', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'the definition is invalid',
      instance: '/v1/definitions',
      errors: [{ path: 'steps[1].with.url', message: 'url is required' }],
    };
    const { fetch } = fakeFetch({ status: 400, body: problem });
    const error = await new BatonClient({ baseUrl: 'http://baton.local', fetch }).registerDefinition({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatonApiError);
    const apiError = error as BatonApiError;
    expect(apiError).toMatchObject({ status: 400, title: 'Bad Request', detail: 'the definition is invalid' });
    expect(apiError.errors).toEqual([{ path: 'steps[1].with.url', message: 'url is required' }]);
    expect(apiError.problem).toMatchObject({ instance: '/v1/definitions', type: 'about:blank' });
    expect(apiError.message).toBe('400 Bad Request: the definition is invalid (steps[1].with.url: url is required)');
  });

  it('still throws a BatonApiError when an error answer is not a problem document', async () => {
    const { fetch } = fakeFetch({ status: 502, statusText: 'Bad Gateway', body: '<html>proxy error</html>' });
    const error = (await new BatonClient({ baseUrl: 'http://baton.local', fetch }).getRun('r').catch((e: unknown) => e)) as BatonApiError;
    expect(error).toBeInstanceOf(BatonApiError);
    expect(error).toMatchObject({ status: 502, title: 'Bad Gateway', detail: '<html>proxy error</html>', errors: [] });
  });

  it('waits for a run until it reaches one of the statuses', async () => {
    const { fetch, calls } = fakeFetch(
      { status: 200, body: run('pending') },
      { status: 200, body: run('running') },
      { status: 200, body: run('completed') },
    );
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    expect((await client.waitForRun('r-1', { intervalMs: 1 })).status).toBe('completed');
    expect(calls).toHaveLength(3);
  });

  it('waits for other statuses when asked, and gives up after the timeout with the last state', async () => {
    const { fetch } = fakeFetch({ status: 200, body: run('running') });
    const client = new BatonClient({ baseUrl: 'http://baton.local', fetch });
    expect((await client.waitForRun('r-1', { statuses: ['running'] })).status).toBe('running');
    const error = await client.waitForRun('r-1', { statuses: ['completed'], timeoutMs: 30, intervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunWaitTimeoutError);
    expect((error as RunWaitTimeoutError).lastRun?.status).toBe('running');
    expect((error as RunWaitTimeoutError).message).toMatch(/did not reach completed within 30 ms \(last status: running\)/);
  });
});

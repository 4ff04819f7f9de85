import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secrets } from '@baton/config';
import type { HttpTaskInput, TaskDispatch } from '@baton/contracts';
import { extractTraceContext, inSpan, serviceTracer, startTelemetry } from '@baton/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpTaskRunner } from './http.task-runner';
import type { TaskOutcome } from './task-runner';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const RUN_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CONSUMER_SPAN_ID = '00f067aa0ba902b7';

describe('HttpTaskRunner', () => {
  let server: Server;
  let baseUrl: string;
  let received: ReceivedRequest[];

  beforeAll(async () => {
    // Recording spans (a real provider) so the client span gets its own id; nothing listens on port 1.
    startTelemetry({ endpoint: 'http://127.0.0.1:1' });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const route = new URL(req.url ?? '/', 'http://localhost').pathname;
        if (route === '/json') {
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ reserved: true, echo: body }));
        } else if (route === '/text') {
          res.writeHead(200, { 'content-type': 'text/plain', 'x-trace': 'yes' }).end('plain words');
        } else if (route === '/unavailable') {
          res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
        } else if (route === '/missing') {
          res.writeHead(404).end('no such item');
        } else if (route === '/slow') {
          setTimeout(() => res.writeHead(200).end('too late'), 1_000);
        } else {
          res.writeHead(500).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received = [];
  });

  const runner = new HttpTaskRunner(Secrets.fromEnvironment({ BATON_SECRET_apiToken: 'tok-123' }));

  function dispatchOf(input: Partial<HttpTaskInput> | unknown, overrides: Partial<TaskDispatch> = {}): TaskDispatch {
    return {
      taskId: 'run-1:reserve:2',
      runId: 'run-1',
      stepId: 'reserve',
      attempt: 2,
      idempotencyKey: 'run-1:reserve:2',
      input,
      deadline: new Date(Date.now() + 60_000).toISOString(),
      ...overrides,
    };
  }

  /** Runs as the executor does: inside the consumer span that continues the run's trace. */
  function runInRunTrace(dispatch: TaskDispatch): Promise<TaskOutcome> {
    const parent = extractTraceContext({ traceparent: `00-${RUN_TRACE_ID}-${CONSUMER_SPAN_ID}-01` });
    return inSpan(serviceTracer('executor-test'), 'process baton.tasks.http', { parent }, () => runner.run(dispatch));
  }

  it('sends a JSON body with the idempotency key and a traceparent in the run trace, and parses a JSON answer', async () => {
    const outcome = await runInRunTrace(
      dispatchOf({ method: 'post', url: `${baseUrl}/json`, headers: { 'x-tenant': 'acme' }, body: { orderId: 'o-1' }, timeoutMs: 5_000 }),
    );

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.headers['idempotency-key']).toBe('run-1:reserve:2');
    expect(request.headers['x-tenant']).toBe('acme');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ orderId: 'o-1' });
    const traceparent = String(request.headers['traceparent']);
    expect(traceparent).toMatch(new RegExp(`^00-${RUN_TRACE_ID}-[0-9a-f]{16}-01$`));
    // The parent is the CLIENT span, not the consumer span the runner was called in.
    expect(traceparent.split('-')[2]).not.toBe(CONSUMER_SPAN_ID);

    expect(outcome).toEqual({
      status: 'completed',
      output: {
        status: 201,
        headers: expect.objectContaining({ 'content-type': 'application/json' }) as unknown,
        body: { reserved: true, echo: '{"orderId":"o-1"}' },
      },
    });
  });

  it('sends no body on GET and keeps a text answer as text', async () => {
    const outcome = await runInRunTrace(dispatchOf({ method: 'GET', url: `${baseUrl}/text`, body: { ignored: true }, timeoutMs: 5_000 }));

    expect(received[0].body).toBe('');
    expect(received[0].headers['content-type']).toBeUndefined();
    expect(outcome).toMatchObject({ status: 'completed', output: { status: 200, headers: { 'x-trace': 'yes' }, body: 'plain words' } });
  });

  it('fails retryably on a 5xx and for good on a 404', async () => {
    expect(await runner.run(dispatchOf({ method: 'DELETE', url: `${baseUrl}/unavailable`, timeoutMs: 5_000 }))).toEqual({
      status: 'failed',
      error: { message: 'HTTP 503 Service Unavailable: down for maintenance', retryable: true, code: 'http.503' },
    });
    expect(await runner.run(dispatchOf({ method: 'GET', url: `${baseUrl}/missing`, timeoutMs: 5_000 }))).toEqual({
      status: 'failed',
      error: { message: 'HTTP 404 Not Found: no such item', retryable: false, code: 'http.404' },
    });
  });

  it('fails retryably when the request times out', async () => {
    const outcome = await runner.run(dispatchOf({ method: 'GET', url: `${baseUrl}/slow`, timeoutMs: 100 }));

    expect(outcome).toEqual({
      status: 'failed',
      error: { message: `HTTP GET ${baseUrl}/slow timed out after 100 ms`, retryable: true, code: 'timeout' },
    });
  });

  it('fails retryably, naming the cause, when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const outcome = await runner.run(dispatchOf({ method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 5_000 }));

    expect(outcome).toMatchObject({ status: 'failed', error: { retryable: true } });
    expect(outcome.status === 'failed' && outcome.error.message).toMatch(/^HTTP GET http:\/\/127\.0\.0\.1:\d+\/ failed: .*ECONNREFUSED/);
  });

  it('resolves secret templates at their paths just before the call, and nowhere else', async () => {
    const outcome = await runner.run(
      dispatchOf({
        method: 'POST',
        url: `${baseUrl}/json`,
        headers: { Authorization: 'Bearer ${ secrets.apiToken }', 'X-Echo': '${ secrets.apiToken }' },
        body: { note: '${ secrets.apiToken }' },
        timeoutMs: 5_000,
        secrets: [{ path: ['headers', 'Authorization'], template: 'Bearer ${ secrets.apiToken }' }],
      }),
    );

    expect(outcome.status).toBe('completed');
    expect(received[0].headers.authorization).toBe('Bearer tok-123');
    // Not listed, so left as text: data that looks like a secret template stays inert.
    expect(received[0].headers['x-echo']).toBe('${ secrets.apiToken }');
    expect(JSON.parse(received[0].body)).toEqual({ note: '${ secrets.apiToken }' });
  });

  it('fails for good, without calling out, when a secret is not configured', async () => {
    const outcome = await runner.run(
      dispatchOf({
        method: 'GET',
        url: `${baseUrl}/text`,
        headers: { Authorization: '${ secrets.missing }' },
        timeoutMs: 5_000,
        secrets: [{ path: ['headers', 'Authorization'], template: '${ secrets.missing }' }],
      }),
    );

    expect(outcome).toMatchObject({ status: 'failed', error: { retryable: false, message: expect.stringContaining('BATON_SECRET_') } });
    expect(received).toHaveLength(0);
  });

  it('runs an attempt whose deadline has passed: a redelivered attempt must not fail into a new one', async () => {
    const outcome = await runner.run(
      dispatchOf({ method: 'GET', url: `${baseUrl}/text`, timeoutMs: 5_000 }, { deadline: '2000-01-01T00:00:00.000Z' }),
    );

    expect(outcome.status).toBe('completed');
    expect(received).toHaveLength(1);
  });

  it.each([
    [null, 'expected an object'],
    [{ method: 'TRACE', url: 'http://x', timeoutMs: 1 }, 'method must be one of'],
    [{ method: 'GET', url: 'not a url', timeoutMs: 1 }, 'url must be an absolute URL'],
    [{ method: 'GET', url: 'ftp://x/file', timeoutMs: 1 }, 'url must be http or https'],
    [{ method: 'GET', url: 'http://user:pw@x/', timeoutMs: 1 }, 'url must not carry credentials'],
    [{ method: 'GET', url: 'http://x/' }, 'timeoutMs must be a positive number'],
    [{ method: 'GET', url: 'http://x/', timeoutMs: 1, headers: { 'bad header': 'v' } }, 'invalid headers'],
  ])('fails for good without calling out on invalid input %j', async (input, reason) => {
    const outcome = await runner.run(dispatchOf(input));

    expect(outcome).toMatchObject({ status: 'failed', error: { retryable: false } });
    expect(outcome.status === 'failed' && outcome.error.message).toContain(`invalid http task input: ${reason}`);
  });
});

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extractTraceContext, inSpan, serviceTracer, startTelemetry } from '@baton/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postNotification, type HttpPost } from './http-post';

const RUN_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('postNotification', () => {
  let server: Server;
  let baseUrl: string;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    startTelemetry({ disabled: true });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (req.url === '/ok') res.writeHead(204).end();
        else if (req.url === '/moved') res.writeHead(302, { location: '/ok' }).end();
        else res.writeHead(500, { 'content-type': 'text/plain' }).end('y'.repeat(800));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const requestTo = (path: string): HttpPost => ({
    url: `${baseUrl}${path}`,
    headers: new Headers({ 'content-type': 'application/json', 'x-baton-delivery': 'run-1:completed:0' }),
    body: '{"type":"baton.run.completed"}',
  });

  it('POSTs the body and headers with a traceparent in the run trace', async () => {
    const parent = extractTraceContext({ traceparent: `00-${RUN_TRACE_ID}-00f067aa0ba902b7-01` });

    const result = await inSpan(serviceTracer('notifier-test'), 'process', { parent }, () => postNotification(requestTo('/ok')));

    expect(result).toEqual({ delivered: true, statusCode: 204 });
    const [request] = received.slice(-1);
    expect(request.body).toBe('{"type":"baton.run.completed"}');
    expect(request.headers['x-baton-delivery']).toBe('run-1:completed:0');
    expect(request.headers['traceparent']).toMatch(new RegExp(`^00-${RUN_TRACE_ID}-[0-9a-f]{16}-01$`));
  });

  it('reports a non-2xx answer with its status line and the start of its body', async () => {
    expect(await postNotification(requestTo('/broken'))).toEqual({
      delivered: false,
      statusCode: 500,
      error: `HTTP 500 Internal Server Error: ${'y'.repeat(500)}`,
    });
  });

  it('does not follow redirects', async () => {
    const before = received.length;

    expect(await postNotification(requestTo('/moved'))).toMatchObject({ delivered: false, statusCode: 302 });
    expect(received.length).toBe(before + 1);
  });

  it('reports a network failure with its cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hooks`;
    await new Promise((resolve) => closed.close(resolve));

    const result = await postNotification({ ...requestTo('/ok'), url });

    expect(result).toEqual({ delivered: false, error: expect.stringMatching(/ECONNREFUSED/) as unknown });
    expect(!result.delivered && result.error).toContain(`POST ${url} failed: `);
  });
});

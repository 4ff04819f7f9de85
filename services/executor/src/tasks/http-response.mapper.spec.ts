import { describe, expect, it } from 'vitest';
import { isJsonContentType, isRetryableStatus, mapHttpResponse, readCappedText, type HttpResponseSnapshot } from './http-response.mapper';

const snapshot = (status: number, bodyText: string, contentType?: string, statusText = 'Status'): HttpResponseSnapshot => ({
  status,
  statusText,
  headers: contentType ? { 'content-type': contentType } : {},
  bodyText,
});

describe('http response mapping', () => {
  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [408, true],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
    [422, false],
    [301, false],
  ])('status %i is retryable: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
    expect(mapHttpResponse(snapshot(status, 'nope'))).toMatchObject({ status: 'failed', error: { retryable } });
  });

  it('names the status line and the first 500 characters of the body in the error', () => {
    const outcome = mapHttpResponse(snapshot(503, 'x'.repeat(600), 'text/plain', 'Service Unavailable'));

    expect(outcome).toEqual({
      status: 'failed',
      error: { message: `HTTP 503 Service Unavailable: ${'x'.repeat(500)}`, retryable: true, code: 'http.503' },
    });
  });

  it('leaves out an empty status text', () => {
    expect(mapHttpResponse(snapshot(404, 'missing', undefined, ''))).toMatchObject({ error: { message: 'HTTP 404: missing' } });
  });

  it('parses JSON bodies and keeps other bodies as text', () => {
    expect(mapHttpResponse(snapshot(200, '{"ok":true}', 'application/json; charset=utf-8'))).toEqual({
      status: 'completed',
      output: { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { ok: true } },
    });
    expect(mapHttpResponse(snapshot(201, '{"ok":true}', 'text/plain'))).toMatchObject({ output: { body: '{"ok":true}' } });
    expect(mapHttpResponse(snapshot(204, ''))).toMatchObject({ output: { status: 204, body: '' } });
  });

  it('keeps a body labelled JSON that does not parse as text, and an empty one as null', () => {
    expect(mapHttpResponse(snapshot(200, '{"cut', 'application/json'))).toMatchObject({ output: { body: '{"cut' } });
    expect(mapHttpResponse(snapshot(200, '', 'application/json'))).toMatchObject({ output: { body: null } });
  });

  it.each([
    ['application/json', true],
    ['application/problem+json', true],
    ['application/vnd.api+json; charset=utf-8', true],
    ['APPLICATION/JSON', true],
    ['text/plain', false],
    ['application/jsonp', false],
    [undefined, false],
  ])('content type %s is JSON: %s', (contentType, json) => {
    expect(isJsonContentType(contentType)).toBe(json);
  });

  it('reads at most the cap of a body', async () => {
    const chunks = ['abcd', 'efgh', 'ijkl'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });

    expect(await readCappedText(new Response(body), 6)).toBe('abcdef');
    expect(await readCappedText(new Response('short'), 6)).toBe('short');
    expect(await readCappedText(new Response(null, { status: 204 }))).toBe('');
  });
});

import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { headersOf, traceContextOf } from './trace-context';

describe('trace context', () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('copies the W3C trace headers of a dispatch and nothing else', () => {
    const received = headers();
    received.set('traceparent', traceparent);
    received.set('tracestate', 'vendor=1');
    received.set('Nats-Msg-Id', 'task:run-1:charge:1');
    expect(traceContextOf(received)).toEqual({ traceparent, tracestate: 'vendor=1' });
  });

  it('is empty for a dispatch without headers', () => {
    expect(traceContextOf(undefined)).toEqual({});
    expect(traceContextOf(headers())).toEqual({});
  });

  it('builds fresh headers for each publish', () => {
    const trace = { traceparent };
    const first = headersOf(trace);
    first.set('Nats-Msg-Id', 'result:1');
    const second = headersOf(trace);
    expect(second.get('traceparent')).toBe(traceparent);
    expect(second.has('Nats-Msg-Id')).toBe(false);
  });
});

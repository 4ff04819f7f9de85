import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/** W3C trace context headers, copied from a dispatch to everything published about it. */
const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

export type TraceContext = Partial<Record<(typeof TRACE_HEADERS)[number], string>>;

/** The trace context a dispatch arrived with (none when the platform traced nothing). */
export function traceContextOf(received: MsgHdrs | undefined): TraceContext {
  const trace: TraceContext = {};
  for (const name of TRACE_HEADERS) {
    const value = received?.get(name);
    if (value) trace[name] = value;
  }
  return trace;
}

/** Fresh headers per publish: the client adds `Nats-Msg-Id` to the object it is given. */
export function headersOf(trace: TraceContext): MsgHdrs {
  const result = natsHeaders();
  for (const [name, value] of Object.entries(trace)) result.set(name, value);
  return result;
}

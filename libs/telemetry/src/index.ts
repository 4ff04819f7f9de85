export {
  activeTraceId,
  BatonAttributes,
  extractTraceContext,
  injectTraceHeaders,
  inSpan,
  serviceTracer,
  shutdownTelemetry,
  SpanKind,
  SpanStatusCode,
  startTelemetry,
} from './tracing';
export type { CarrierHeaders, Span, SpanOptions, TelemetryOptions, Tracer } from './tracing';

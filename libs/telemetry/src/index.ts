export { createServiceLogger, currentLogFields, maskSecrets, withLogFields } from './logging';
export type { LogFields, ServiceLoggerOptions } from './logging';
export { addProbe, Metrics, metricsRegistry, renderMetrics } from './metrics';
export {
  activeTraceId,
  BatonAttributes,
  extractTraceContext,
  injectTraceHeaders,
  inSpan,
  linksToActiveSpan,
  recordSpan,
  serviceTracer,
  shutdownTelemetry,
  SpanKind,
  SpanStatusCode,
  startTelemetry,
  withRunAttributes,
} from './tracing';
export type { Attributes, CarrierHeaders, Link, Span, SpanOptions, TelemetryOptions, Tracer } from './tracing';

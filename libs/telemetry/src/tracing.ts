import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { withLogFields, type LogFields } from './logging';

export interface TelemetryOptions {
  /** OTLP/HTTP base URL, e.g. http://localhost:4318; spans go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  disabled?: boolean;
}

const providers = new Map<string, BasicTracerProvider>();
let settings: TelemetryOptions | undefined;

/**
 * Installs context propagation once per process. Call before Nest is imported.
 * Each service then gets its own provider (and so its own `service.name`), which lets the
 * all-in-one process report six services exactly as six processes would.
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (settings) return;
  settings = options;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** The tracer a service names its spans with. */
export function serviceTracer(serviceName: string): Tracer {
  // Disabled tracing records nothing (the API's no-op tracer) but still passes incoming trace context on.
  if (!settings || settings.disabled) return trace.getTracer(`baton-${serviceName}`);
  let provider = providers.get(serviceName);
  if (!provider) {
    const base = (settings.endpoint ?? 'http://localhost:4318').replace(/\/$/, '');
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `baton-${serviceName}` }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }), { scheduledDelayMillis: 500 })],
    });
    providers.set(serviceName, provider);
  }
  return provider.getTracer(`baton-${serviceName}`);
}

/** Flushes and stops every provider; part of a clean shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await Promise.allSettled([...providers.values()].map((p) => p.shutdown()));
  providers.clear();
}

export type CarrierHeaders = Record<string, string>;

/** W3C `traceparent`/`tracestate` of the active (or given) context, for headers and outbox rows. */
export function injectTraceHeaders(ctx: Context = context.active()): CarrierHeaders {
  const carrier: CarrierHeaders = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

export function extractTraceContext(headers: CarrierHeaders | undefined): Context {
  return propagation.extract(context.active(), headers ?? {});
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; defaults to the active one. */
  parent?: Context;
  /** Spans of other traces this one follows from (a child run's trace links its parent's step). */
  links?: Link[];
}

/**
 * Runs `work` inside a new active span, recording an exception and error status when it throws.
 * The span ends when `work` settles.
 */
export async function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
  );
  try {
    return await context.with(withLogFields(trace.setSpan(parent, span), logFieldsOf(options.attributes)), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Records a span for something that already happened, such as the time a message waited in its
 * stream or a timer waited for its due time. Returns the trace headers of that span, for a message
 * that should follow from it.
 */
export function recordSpan(tracer: Tracer, name: string, options: SpanOptions & { startTime: Date; endTime: Date }): CarrierHeaders {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, startTime: options.startTime },
    parent,
  );
  span.end(options.endTime);
  return injectTraceHeaders(trace.setSpan(parent, span));
}

/** Adds run attributes to the active span and to the log lines written inside `work`. */
export function withRunAttributes<T>(attributes: Attributes, work: () => T): T {
  trace.getActiveSpan()?.setAttributes(attributes);
  return context.with(withLogFields(context.active(), logFieldsOf(attributes)), work);
}

function logFieldsOf(attributes: Attributes | undefined): LogFields {
  if (!attributes) return {};
  const fields: LogFields = {};
  const text = (key: string) => (typeof attributes[key] === 'string' ? (attributes[key] as string) : undefined);
  if (text(BatonAttributes.runId)) fields.run_id = text(BatonAttributes.runId);
  if (text(BatonAttributes.workflow)) fields.workflow = text(BatonAttributes.workflow);
  if (text(BatonAttributes.stepId)) fields.step_id = text(BatonAttributes.stepId);
  if (typeof attributes[BatonAttributes.attempt] === 'number') fields.attempt = attributes[BatonAttributes.attempt] as number;
  return fields;
}

/** A link to the active span, for a span that belongs to another trace but was caused from here. */
export function linksToActiveSpan(): Link[] {
  const active = trace.getActiveSpan()?.spanContext();
  return active && trace.isSpanContextValid(active) ? [{ context: active }] : [];
}

/** Trace id of the active span, if any. */
export function activeTraceId(): string | undefined {
  const id = trace.getActiveSpan()?.spanContext().traceId;
  return id && id !== '00000000000000000000000000000000' ? id : undefined;
}

/** Span attribute names (DESIGN.md §6). */
export const BatonAttributes = {
  runId: 'baton.run_id',
  workflow: 'baton.workflow',
  stepId: 'baton.step_id',
  attempt: 'baton.attempt',
  subject: 'messaging.destination.name',
} as const;

export { SpanKind, SpanStatusCode };
export type { Attributes, Link, Span, Tracer };

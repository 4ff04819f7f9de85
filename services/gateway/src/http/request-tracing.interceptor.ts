import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { context as otelContext, trace } from '@opentelemetry/api';
import { extractTraceContext, Metrics, serviceTracer, SpanKind, SpanStatusCode, type CarrierHeaders } from '@baton/telemetry';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';

/**
 * One SERVER span per API request, continuing the caller's `traceparent`, so a run started over
 * HTTP joins the caller's trace. The handler runs inside the span's context. Also times the
 * request for `baton_http_request_duration_seconds`, by route pattern (never the raw path).
 */
@Injectable()
export class RequestTracingInterceptor implements NestInterceptor {
  private readonly tracer = serviceTracer('gateway');

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<Request>();
    const response = execution.switchToHttp().getResponse<Response>();
    const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const parent = extractTraceContext(request.headers as CarrierHeaders);
    const span = this.tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    const stopTimer = Metrics.httpRequests.startTimer({ method: request.method, route });
    response.once('finish', () => {
      stopTimer({ status: String(response.statusCode) });
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    const spanContext = trace.setSpan(parent, span);
    return new Observable((subscriber) => otelContext.with(spanContext, () => next.handle().subscribe(subscriber)));
  }
}

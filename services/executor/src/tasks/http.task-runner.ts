import { Injectable } from '@nestjs/common';
import type { HttpTaskInput, TaskDispatch } from '@baton/contracts';
import { Secrets, UnresolvedSecretError } from '@baton/config';
import { HTTP_METHODS, type ValuePath } from '@baton/dsl';
import { BatonAttributes, injectTraceHeaders, inSpan, serviceTracer, SpanKind, SpanStatusCode, type Span } from '@baton/telemetry';
import { mapHttpResponse, readCappedText } from './http-response.mapper';
import { failed, type TaskOutcome, type TaskRunner } from './task-runner';

const METHODS_WITHOUT_BODY: ReadonlySet<string> = new Set(['GET', 'HEAD']);

interface PreparedRequest {
  method: string;
  url: URL;
  init: RequestInit;
  timeoutMs: number;
}

/** The built-in `http` task type: one HTTP call per attempt, traced and keyed for idempotency. */
@Injectable()
export class HttpTaskRunner implements TaskRunner {
  readonly taskType = 'http';
  private readonly tracer = serviceTracer('executor');

  constructor(private readonly secrets: Secrets) {}

  async run(dispatch: TaskDispatch): Promise<TaskOutcome> {
    let input: unknown;
    try {
      input = await this.withSecrets(dispatch.input);
    } catch (error) {
      if (error instanceof UnresolvedSecretError) return failed(error.message, false, 'secret');
      throw error;
    }
    const prepared = prepareRequest(input);
    if (typeof prepared === 'string') return failed(`invalid http task input: ${prepared}`, false, 'invalid-input');
    const { method } = prepared;
    const attributes = {
      'http.request.method': method,
      // As dispatched: a URL that carries a secret shows its template, never the secret.
      'url.full': String((dispatch.input as Partial<HttpTaskInput>).url),
      [BatonAttributes.runId]: dispatch.runId,
      [BatonAttributes.stepId]: dispatch.stepId,
      [BatonAttributes.attempt]: dispatch.attempt,
    };
    try {
      return await inSpan(this.tracer, `HTTP ${method}`, { kind: SpanKind.CLIENT, attributes }, (span) =>
        this.call(prepared, dispatch.idempotencyKey, span),
      );
    } catch (error) {
      // Named by the URL as dispatched, so a secret in it never reaches an error message.
      const message = describeRequestError(method, String(attributes['url.full']), prepared.timeoutMs, error);
      return failed(message, true, isTimeout(error) ? 'timeout' : 'network');
    }
  }

  /** A copy of the input with each secret template resolved at its path; the dispatch itself keeps the templates. */
  private async withSecrets(raw: unknown): Promise<unknown> {
    const templates = (raw as Partial<HttpTaskInput> | null)?.secrets;
    if (!Array.isArray(templates) || templates.length === 0) return raw;
    const input = structuredClone(raw) as Record<string, unknown>;
    delete input.secrets;
    for (const { path, template } of templates) {
      setAt(input, path, await this.secrets.resolve(template, `the secret at ${path.join('.')}`));
    }
    return input;
  }

  private async call(request: PreparedRequest, idempotencyKey: string, span: Span): Promise<TaskOutcome> {
    const headers = new Headers(request.init.headers);
    headers.set('Idempotency-Key', idempotencyKey);
    // Injected inside the CLIENT span, so the target's server span is its child in the run's trace.
    for (const [name, value] of Object.entries(injectTraceHeaders())) headers.set(name, value);
    const response = await fetch(request.url, { ...request.init, headers, signal: AbortSignal.timeout(request.timeoutMs) });
    span.setAttribute('http.response.status_code', response.status);
    const outcome = mapHttpResponse({
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers),
      bodyText: await readCappedText(response),
    });
    if (outcome.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
    return outcome;
  }
}

/**
 * Checks the coordinator's input and builds the request, or says what is wrong with it. Bad input
 * cannot succeed on a retry, so it fails the attempt for good instead of reaching the network.
 * The dispatch deadline is deliberately ignored: a redelivered attempt must run again, not fail.
 */
function prepareRequest(raw: unknown): PreparedRequest | string {
  if (typeof raw !== 'object' || raw === null) return 'expected an object';
  const input = raw as Partial<HttpTaskInput>;
  const method = typeof input.method === 'string' ? input.method.toUpperCase() : '';
  if (!HTTP_METHODS.includes(method)) return `method must be one of ${HTTP_METHODS.join(', ')}`;
  if (typeof input.url !== 'string' || !URL.canParse(input.url)) return 'url must be an absolute URL';
  const url = new URL(input.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `url must be http or https, got ${url.protocol}`;
  if (url.username || url.password) return 'url must not carry credentials; send an Authorization header instead';
  if (typeof input.timeoutMs !== 'number' || !(input.timeoutMs > 0)) return 'timeoutMs must be a positive number';
  let headers: Headers;
  try {
    headers = new Headers(input.headers ?? {});
  } catch (error) {
    return `invalid headers: ${(error as Error).message}`;
  }
  const sendsBody = input.body !== undefined && !METHODS_WITHOUT_BODY.has(method);
  if (sendsBody && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return {
    method,
    url,
    init: { method, headers, body: sendsBody ? JSON.stringify(input.body) : undefined },
    timeoutMs: input.timeoutMs,
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function describeRequestError(method: string, url: string, timeoutMs: number, error: unknown): string {
  const target = `HTTP ${method} ${url}`;
  if (isTimeout(error)) {
    return `${target} timed out after ${timeoutMs} ms`;
  }
  return `${target} failed: ${causeOf(error)}`;
}

/** fetch reports every network failure as `TypeError: fetch failed`; the reason is in `cause`. */
function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return cause.message || (typeof code === 'string' ? code : cause.name);
  }
  return error.message;
}

function setAt(target: Record<string, unknown>, path: ValuePath, value: string): void {
  let node: Record<string | number, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') return;
    node = next as Record<string | number, unknown>;
  }
  if (path.length > 0) node[path[path.length - 1]] = value;
}

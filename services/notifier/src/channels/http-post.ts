import { injectTraceHeaders, inSpan, serviceTracer, SpanKind, SpanStatusCode } from '@baton/telemetry';
import type { SendResult } from './channel-sender';

export const HTTP_POST_TIMEOUT_MS = 10_000;

const ERROR_BODY_CHARS = 500;
const tracer = serviceTracer('notifier');

export interface HttpPost {
  url: string;
  headers: Headers;
  body: string;
}

/**
 * POSTs a notification inside a CLIENT span whose `traceparent` it sends, so the receiver joins the
 * run's trace. Any 2xx is delivered; anything else is reported with the status line and body start.
 */
export async function postNotification(request: HttpPost): Promise<SendResult> {
  const attributes = { 'http.request.method': 'POST', 'url.full': request.url };
  try {
    return await inSpan(tracer, 'POST', { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const headers = new Headers(request.headers);
      for (const [name, value] of Object.entries(injectTraceHeaders())) headers.set(name, value);
      const response = await fetch(request.url, {
        method: 'POST',
        headers,
        body: request.body,
        // A redirect would turn the POST into a GET or replay the signed body elsewhere: report it instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(HTTP_POST_TIMEOUT_MS),
      });
      span.setAttribute('http.response.status_code', response.status);
      if (response.ok) {
        await response.body?.cancel();
        return { delivered: true, statusCode: response.status };
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
      const statusLine = [`HTTP ${response.status}`, response.statusText].filter(Boolean).join(' ');
      return { delivered: false, statusCode: response.status, error: `${statusLine}: ${await bodySnippet(response)}` };
    });
  } catch (error) {
    return { delivered: false, error: describeFailure(request.url, error) };
  }
}

/** The start of an error body, read no further than needed: it only goes into `last_error`. */
async function bodySnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < ERROR_BODY_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The status already says the delivery failed; a body that breaks off adds nothing.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, ERROR_BODY_CHARS);
}

function describeFailure(url: string, error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `POST ${url} timed out after ${HTTP_POST_TIMEOUT_MS} ms`;
  }
  // fetch reports every network failure as `TypeError: fetch failed`; the reason is in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const reason = cause instanceof Error ? cause.message || (typeof code === 'string' ? code : cause.name) : String(cause);
  return `POST ${url} failed: ${reason}`;
}

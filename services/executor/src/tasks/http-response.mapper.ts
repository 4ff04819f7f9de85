import type { HttpTaskOutput } from '@baton/contracts';
import { completed, failed, type TaskOutcome } from './task-runner';

/** Larger bodies are cut here: the output lands in run state and in the next steps' scope. */
/** Responses are cut here so a step's output fits in one NATS message with room to spare. */
export const MAX_RESPONSE_BODY_BYTES = 256 * 1024;

const ERROR_BODY_CHARS = 500;

export interface HttpResponseSnapshot {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** The body as text, already capped. */
  bodyText: string;
}

/** Retrying helps when the server failed, throttled us or gave up waiting; other 4xx are our fault. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** `application/json`, `application/problem+json`, `text/json; charset=utf-8`, … */
export function isJsonContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0].trim().toLowerCase() ?? '';
  return /^[a-z]+\/([\w.-]+\+)?json$/.test(mediaType);
}

/** A 2xx becomes the step's output; anything else a failure the coordinator may retry. */
export function mapHttpResponse(response: HttpResponseSnapshot): TaskOutcome {
  if (response.status < 200 || response.status > 299) {
    const statusLine = [`HTTP ${response.status}`, response.statusText].filter(Boolean).join(' ');
    return failed(
      `${statusLine}: ${response.bodyText.slice(0, ERROR_BODY_CHARS)}`,
      isRetryableStatus(response.status),
      `http.${response.status}`,
    );
  }
  const output: HttpTaskOutput = { status: response.status, headers: response.headers, body: bodyOf(response) };
  return completed(output);
}

function bodyOf(response: HttpResponseSnapshot): unknown {
  if (!isJsonContentType(response.headers['content-type'])) return response.bodyText;
  if (response.bodyText.trim() === '') return null;
  try {
    return JSON.parse(response.bodyText) as unknown;
  } catch {
    // A server that labels a malformed (or cut) body as JSON still answered: keep what it said.
    return response.bodyText;
  }
}

/** Reads at most `maxBytes` of the body and drops the rest without downloading it. */
export async function readCappedText(response: Response, maxBytes = MAX_RESPONSE_BODY_BYTES): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - received;
    const chunk = value.byteLength > room ? value.subarray(0, room) : value;
    received += chunk.byteLength;
    text += decoder.decode(chunk, { stream: true });
    if (received >= maxBytes) {
      await reader.cancel();
      break;
    }
  }
  return text + decoder.decode();
}

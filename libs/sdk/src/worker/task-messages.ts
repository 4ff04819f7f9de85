import type { TaskDispatch, TaskHeartbeat, TaskResult } from '@baton/contracts';
import { toTaskError } from './task-errors';

/** A dispatch without these fields cannot be answered, so retrying it is pointless. */
export class InvalidDispatchError extends Error {
  override name = 'InvalidDispatchError';
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** `\u0000` in JSON text, not preceded by an escaping backslash (`\\u0000` is the text "\u0000"). */
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;

/** Room for the subject and headers next to the body in one NATS message. */
const ENVELOPE_BYTES = 4096;

/** Reads a `baton.tasks.<taskType>` message (DESIGN.md §2); throws {@link InvalidDispatchError} when it is not one. */
export function parseTaskDispatch(data: Uint8Array): TaskDispatch {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw new InvalidDispatchError(`task dispatch is not JSON: ${(error as Error).message}`);
  }
  const dispatch = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  const invalid = ['taskId', 'runId', 'stepId', 'idempotencyKey'].filter((f) => typeof dispatch[f] !== 'string' || dispatch[f] === '');
  if (!Number.isInteger(dispatch['attempt']) || Number(dispatch['attempt']) < 1) invalid.push('attempt');
  if (typeof dispatch['deadline'] !== 'string' || Number.isNaN(Date.parse(dispatch['deadline']))) invalid.push('deadline');
  if (invalid.length > 0) throw new InvalidDispatchError(`task dispatch has no valid ${invalid.join(', ')}`);
  return dispatch as unknown as TaskDispatch;
}

/** The answer for an attempt whose handler returned `output`. */
export function completedResult(dispatch: TaskDispatch, output: unknown): TaskResult {
  return { ...addressOf(dispatch), status: 'completed', ...(output === undefined ? {} : { output }) };
}

/** The answer for an attempt whose handler threw `thrown` (classified by {@link toTaskError}). */
export function failedResult(dispatch: TaskDispatch, thrown: unknown): TaskResult {
  return { ...addressOf(dispatch), status: 'failed', error: toTaskError(thrown) };
}

/** "Still working on it", published while a handler runs. */
export function heartbeatOf(dispatch: TaskDispatch): TaskHeartbeat {
  return { taskId: dispatch.taskId, attempt: dispatch.attempt, status: 'running' };
}

/**
 * The bytes to publish for a result. An output that could never reach or be stored by the
 * platform — not JSON, holding U+0000, larger than the server's `max_payload` — turns into a
 * failed, non-retryable result naming the reason, so the run learns of it instead of waiting.
 */
export function encodeTaskResult(result: TaskResult, maxPayloadBytes: number): { result: TaskResult; data: Uint8Array } {
  let text: string;
  try {
    text = JSON.stringify(result);
  } catch (error) {
    return encodeFallback(result, `the task's output is not JSON: ${(error as Error).message}`);
  }
  if (ESCAPED_NUL.test(text)) return encodeFallback(result, "the task's output holds U+0000, which cannot be stored");
  const data = encoder.encode(text);
  if (data.length > maxPayloadBytes - ENVELOPE_BYTES) {
    return encodeFallback(
      result,
      `the task's output is too large to report (${data.length} bytes; the NATS server accepts ${maxPayloadBytes})`,
    );
  }
  return { result, data };
}

function encodeFallback(result: TaskResult, message: string): { result: TaskResult; data: Uint8Array } {
  const failed: TaskResult = { ...addressOf(result), status: 'failed', error: { message, retryable: false } };
  return { result: failed, data: encoder.encode(JSON.stringify(failed)) };
}

function addressOf(attempt: Pick<TaskResult, 'taskId' | 'runId' | 'stepId' | 'attempt'>) {
  return { taskId: attempt.taskId, runId: attempt.runId, stepId: attempt.stepId, attempt: attempt.attempt };
}

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

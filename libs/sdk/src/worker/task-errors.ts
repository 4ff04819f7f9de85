import type { TaskError } from '@baton/contracts';

/** The platform refuses longer error messages (TaskErrorDto). */
export const MAX_ERROR_MESSAGE_LENGTH = 10_000;

/**
 * Thrown by a handler when the attempt failed but another attempt may succeed (a timeout, a
 * rate limit, a dependency that is down). The step is retried according to its `retry` policy.
 */
export class RetryableError extends Error {
  override name = 'RetryableError';

  /** `code` names the kind of failure for the step's `retry.retryOn`, e.g. `inventory.locked`. */
  constructor(
    message: string,
    readonly options: { code?: string } = {},
  ) {
    super(message);
  }
}

/**
 * Thrown by a handler when retrying cannot help (a declined card, invalid input). The step fails
 * at once, whatever attempts its `retry` policy has left.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';

  /** `code` names the kind of failure, e.g. `card.declined`; a step's `retry.retryOn` may still retry it. */
  constructor(
    message: string,
    readonly options: { code?: string } = {},
  ) {
    super(message);
  }
}

/**
 * How a handler's thrown value is reported. Only a {@link TerminalError} is final: anything else
 * — a {@link RetryableError}, but also an unexpected `Error`, a rejected fetch or a bug — is
 * reported retryable, because a worker cannot tell a transient fault from a permanent one and a
 * wrongly retried attempt costs at most the step's remaining attempts, while a wrongly final one
 * fails a run that might have succeeded.
 */
export function toTaskError(thrown: unknown): TaskError {
  const code = thrown instanceof RetryableError || thrown instanceof TerminalError ? thrown.options.code : undefined;
  return { message: messageOf(thrown), retryable: !(thrown instanceof TerminalError), ...(code ? { code } : {}) };
}

function messageOf(thrown: unknown): string {
  const raw = thrown instanceof Error ? thrown.message || thrown.name : typeof thrown === 'string' ? thrown : safeString(thrown);
  // PostgreSQL cannot store U+0000, and the platform caps the length.
  const storable = (raw || 'task failed').replaceAll('\u0000', '\uFFFD');
  return storable.length > MAX_ERROR_MESSAGE_LENGTH ? `${storable.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…` : storable;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

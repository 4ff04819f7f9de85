import { BACKOFF_KINDS, MAX_RETRY_ATTEMPTS, MIN_RETRY_ATTEMPTS } from './definition.constants';
import type { BackoffKind, FieldError, RetryPolicy } from './definition.types';
import { parseDuration } from './duration';
import { childPath } from './field-path';
import { DEFAULT_RETRY_POLICY } from './retry-policy';
import { checkKnownFields, compact, has, isRecord, optionalBoolean, optionalDuration, report } from './validation-helpers';

const RETRY_FIELDS = ['maxAttempts', 'backoff', 'initialInterval', 'maxInterval', 'jitter', 'retryOn'];
const ERROR_CODE_PATTERN = /^[A-Za-z0-9_.*-]+$/;

/** A step's `retry` block, normalised with the default back-off and initial interval. */
export function validateRetry(value: unknown, path: string, errors: FieldError[]): RetryPolicy | undefined {
  if (!isRecord(value)) {
    report(errors, path, 'retry must be an object');
    return undefined;
  }
  const before = errors.length;
  checkKnownFields(value, RETRY_FIELDS, path, errors);
  const maxAttempts = checkMaxAttempts(value, path, errors);
  const backoff = checkBackoff(value, path, errors);
  const initialInterval = optionalDuration(value, 'initialInterval', path, errors, { positive: false });
  const maxInterval = optionalDuration(value, 'maxInterval', path, errors, { positive: true });
  checkIntervalOrder(initialInterval, maxInterval, path, errors);
  const jitter = optionalBoolean(value, 'jitter', path, errors);
  const retryOn = checkRetryOn(value, path, errors);
  if (errors.length > before || maxAttempts === undefined) {
    return undefined;
  }
  return compact({
    maxAttempts,
    backoff: backoff ?? DEFAULT_RETRY_POLICY.backoff,
    initialInterval: initialInterval ?? DEFAULT_RETRY_POLICY.initialInterval,
    maxInterval,
    jitter,
    retryOn,
  });
}

function checkRetryOn(retry: Record<string, unknown>, path: string, errors: FieldError[]): string[] | undefined {
  return has(retry, 'retryOn') ? checkErrorCodes(retry.retryOn, childPath(path, 'retryOn'), errors) : undefined;
}

/** A non-empty list of error-code patterns (`http.5*`, `timeout`, a worker's own codes), for `retryOn` and `catch`. */
export function checkErrorCodes(value: unknown, path: string, errors: FieldError[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    report(errors, path, `${path.split('.').pop()} must be a non-empty list of error codes, e.g. [http.5*, timeout, network]`);
    return undefined;
  }
  value.forEach((code: unknown, index) => {
    if (typeof code !== 'string' || !ERROR_CODE_PATTERN.test(code)) {
      report(errors, childPath(path, index), 'error codes are letters, digits, ".", "_", "-" and "*" wildcards');
    }
  });
  return value as string[];
}

function checkMaxAttempts(retry: Record<string, unknown>, path: string, errors: FieldError[]): number | undefined {
  const attemptsPath = childPath(path, 'maxAttempts');
  if (!has(retry, 'maxAttempts')) {
    report(errors, attemptsPath, 'maxAttempts is required');
    return undefined;
  }
  const value = retry.maxAttempts;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_RETRY_ATTEMPTS || value > MAX_RETRY_ATTEMPTS) {
    report(errors, attemptsPath, `maxAttempts must be an integer from ${MIN_RETRY_ATTEMPTS} to ${MAX_RETRY_ATTEMPTS}`);
    return undefined;
  }
  return value;
}

function checkBackoff(retry: Record<string, unknown>, path: string, errors: FieldError[]): BackoffKind | undefined {
  if (!has(retry, 'backoff')) {
    return undefined;
  }
  const value = retry.backoff;
  if (typeof value !== 'string' || !BACKOFF_KINDS.includes(value)) {
    report(errors, childPath(path, 'backoff'), `backoff must be one of ${BACKOFF_KINDS.join(', ')}`);
    return undefined;
  }
  return value as BackoffKind;
}

function checkIntervalOrder(
  initialInterval: string | undefined,
  maxInterval: string | undefined,
  path: string,
  errors: FieldError[],
): void {
  if (maxInterval === undefined) {
    return;
  }
  const initialMs = parseDuration(initialInterval ?? DEFAULT_RETRY_POLICY.initialInterval) ?? 0;
  const maxMs = parseDuration(maxInterval) ?? 0;
  if (maxMs < initialMs) {
    report(errors, childPath(path, 'maxInterval'), 'maxInterval must not be shorter than initialInterval');
  }
}

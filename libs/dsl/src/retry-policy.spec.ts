import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from './definition.types';
import { DEFAULT_RETRY_POLICY, MAX_RETRY_DELAY_MS, isRetryableUnder, retryDelayMs, retryPolicyOf } from './retry-policy';

describe('retryDelayMs', () => {
  it('waits initialInterval every time with fixed back-off', () => {
    const policy: RetryPolicy = { maxAttempts: 5, backoff: 'fixed', initialInterval: '2s' };
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt))).toEqual([2000, 2000, 2000, 2000]);
  });

  it('doubles from initialInterval with exponential back-off', () => {
    const policy: RetryPolicy = { maxAttempts: 5, backoff: 'exponential', initialInterval: '1s' };
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps exponential delays at maxInterval', () => {
    const policy: RetryPolicy = { maxAttempts: 10, backoff: 'exponential', initialInterval: '1s', maxInterval: '5s' };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('stays finite without maxInterval however many attempts failed', () => {
    const policy: RetryPolicy = { maxAttempts: 100, backoff: 'exponential', initialInterval: '1s' };
    expect(retryDelayMs(policy, 99)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('treats attempt numbers below 1 as the first attempt', () => {
    const policy: RetryPolicy = { maxAttempts: 3, backoff: 'exponential', initialInterval: '1s' };
    expect(retryDelayMs(policy, 0)).toBe(1000);
  });

  it('throws on a policy with an invalid duration', () => {
    expect(() => retryDelayMs({ maxAttempts: 2, backoff: 'fixed', initialInterval: 'soon' }, 1)).toThrow(/initialInterval/);
  });
});

describe('retryPolicyOf', () => {
  it('gives the default policy to a step without retry', () => {
    expect(retryPolicyOf({})).toEqual({ maxAttempts: 3, backoff: 'fixed', initialInterval: '1s' });
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, backoff: 'fixed', initialInterval: '1s' });
  });

  it("keeps the step's own policy", () => {
    const retry: RetryPolicy = { maxAttempts: 5, backoff: 'exponential', initialInterval: '200ms', maxInterval: '1m' };
    expect(retryPolicyOf({ retry })).toEqual(retry);
  });

  it('fills defaults into a hand-built partial policy', () => {
    const retry = { maxAttempts: 2 } as RetryPolicy;
    expect(retryPolicyOf({ retry })).toEqual({ maxAttempts: 2, backoff: 'fixed', initialInterval: '1s' });
  });
});

describe('jitter and retryOn', () => {
  const policy = (extra: Partial<RetryPolicy>): RetryPolicy => ({
    maxAttempts: 5,
    backoff: 'exponential',
    initialInterval: '1s',
    ...extra,
  });

  it('spreads delays between half and all of the nominal delay, the same for the same seed', () => {
    const delays = ['run-a:s', 'run-b:s', 'run-c:s', 'run-d:s'].map((seed) => retryDelayMs(policy({ jitter: true }), 3, seed));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
    expect(retryDelayMs(policy({ jitter: true }), 3, 'run-a:s')).toBe(delays[0]);
  });

  it('retries by error code when retryOn is set, whatever the retryable flag says', () => {
    const onServerErrors = policy({ retryOn: ['http.5*', 'timeout'] });
    expect(isRetryableUnder(onServerErrors, { retryable: true, code: 'http.503' })).toBe(true);
    expect(isRetryableUnder(onServerErrors, { retryable: false, code: 'timeout' })).toBe(true);
    expect(isRetryableUnder(onServerErrors, { retryable: true, code: 'http.429' })).toBe(false);
    expect(isRetryableUnder(onServerErrors, { retryable: true })).toBe(false);
    expect(isRetryableUnder(policy({}), { retryable: true, code: 'anything' })).toBe(true);
    expect(isRetryableUnder(policy({}), { retryable: false })).toBe(false);
  });
});

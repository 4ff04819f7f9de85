import { describe, expect, it } from 'vitest';
import { retryDelayAfter } from './delivery-dispatcher';

const TEN_MINUTES_MS = 10 * 60_000;

describe('retryDelayAfter', () => {
  it('waits the initial delay after the first failed attempt, then doubles it', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempts) => retryDelayAfter(attempts, 200))).toEqual([200, 400, 800, 1600, 3200, 6400]);
  });

  it('follows the configured initial delay', () => {
    expect([1, 2, 3].map((attempts) => retryDelayAfter(attempts, 2000))).toEqual([2000, 4000, 8000]);
  });

  it('never waits more than ten minutes', () => {
    // 200 ms · 2^11 = 409.6 s is the last delay under the cap; 2^12 would be 819.2 s.
    expect(retryDelayAfter(12, 200)).toBe(409_600);
    expect(retryDelayAfter(13, 200)).toBe(TEN_MINUTES_MS);
    expect(retryDelayAfter(100, 200)).toBe(TEN_MINUTES_MS);
    expect(retryDelayAfter(5000, 200)).toBe(TEN_MINUTES_MS);
    expect(retryDelayAfter(1, 15 * 60_000)).toBe(TEN_MINUTES_MS);
  });

  it('treats no failed attempt yet as the first', () => {
    expect(retryDelayAfter(0, 200)).toBe(200);
  });
});

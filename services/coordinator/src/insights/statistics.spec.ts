import { describe, expect, it } from 'vitest';
import { durationStats, normalTailProbability } from './statistics';

describe('durationStats', () => {
  it('gives nothing without samples', () => {
    expect(durationStats([])).toBeUndefined();
  });

  it('interpolates percentiles between closest ranks, as percentile_cont does', () => {
    const samples = [700, 100, 1000, 300, 200, 900, 500, 400, 800, 600];
    const stats = durationStats(samples);
    expect(stats?.count).toBe(10);
    expect(stats?.meanMs).toBe(550);
    // Ranks 0..9: p50 at 4.5 (500..600), p90 at 8.1 (900..1000), p95 at 8.55, p99 at 8.91.
    expect(stats?.p50Ms).toBeCloseTo(550, 9);
    expect(stats?.p90Ms).toBeCloseTo(910, 9);
    expect(stats?.p95Ms).toBeCloseTo(955, 9);
    expect(stats?.p99Ms).toBeCloseTo(991, 9);
    expect(stats?.maxMs).toBe(1000);
    // Population variance of 100·(1..10) is 100² · (10² - 1) / 12 = 82 500.
    expect(stats?.stdDevMs).toBeCloseTo(Math.sqrt(82_500), 9);
    expect(samples[0]).toBe(700);
  });

  it('takes the midpoint of an even count as the median', () => {
    expect(durationStats([4, 1, 3, 2])).toMatchObject({ p50Ms: 2.5, meanMs: 2.5, maxMs: 4 });
  });

  it('gives one sample as every percentile, with no spread', () => {
    expect(durationStats([42])).toEqual({ count: 1, meanMs: 42, stdDevMs: 0, p50Ms: 42, p90Ms: 42, p95Ms: 42, p99Ms: 42, maxMs: 42 });
  });
});

describe('normalTailProbability', () => {
  it('is one half at the mean', () => {
    expect(normalTailProbability(1000, 100, 1000)).toBeCloseTo(0.5, 6);
  });

  it('matches the standard normal table', () => {
    // P(Z > 1) = 0.158655, P(Z > 2) = 0.022750, P(Z > -1) = 0.841345.
    expect(normalTailProbability(1000, 100, 1100)).toBeCloseTo(0.158655, 6);
    expect(normalTailProbability(1000, 100, 1200)).toBeCloseTo(0.02275, 6);
    expect(normalTailProbability(1000, 100, 900)).toBeCloseTo(0.841345, 6);
  });

  it('stays within [0, 1] far out in either tail', () => {
    const right = normalTailProbability(0, 1, 10);
    const left = normalTailProbability(0, 1, -10);
    expect(right).toBeGreaterThanOrEqual(0);
    expect(right).toBeLessThan(1e-9);
    expect(left).toBeLessThanOrEqual(1);
    expect(left).toBeGreaterThan(1 - 1e-9);
  });

  it('is certain without spread', () => {
    expect(normalTailProbability(10, 0, 5)).toBe(1);
    expect(normalTailProbability(5, 0, 5)).toBe(0);
    expect(normalTailProbability(5, 0, 10)).toBe(0);
  });
});

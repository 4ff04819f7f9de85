import type { StepDefinition, TransformStepDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import type { StepState } from '../engine';
import { predictRun, type PredictRunInput } from './prediction';
import type { DurationStats } from './statistics';

const T0 = new Date('2026-03-01T10:00:00.000Z');

/** The time `ms` after T0. */
function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

function transform(id: string, extra: Partial<Pick<TransformStepDefinition, 'needs' | 'catch'>> = {}): StepDefinition {
  return { id, type: 'transform', output: {}, ...extra };
}

/** Stats with these means and standard deviations (`[mean, sd]`). */
function stats(values: Record<string, [number, number]>): Map<string, DurationStats> {
  return new Map(
    Object.entries(values).map(([id, [meanMs, stdDevMs]]) => [
      id,
      { count: 10, meanMs, stdDevMs, p50Ms: meanMs, p90Ms: meanMs, p95Ms: meanMs, p99Ms: meanMs, maxMs: meanMs },
    ]),
  );
}

type States = PredictRunInput['steps'];

function state(status: StepState['status'], startedAtMs?: number): Pick<StepState, 'status' | 'startedAt'> {
  return { status, startedAt: startedAtMs === undefined ? undefined : at(startedAtMs).toISOString() };
}

// a(200) → b(600, sd 60) → c(300, sd 80): the variance of b and c together is 60² + 80² = 100².
const sequential = [transform('a'), transform('b'), transform('c')];
const sequentialStats = stats({ a: [200, 0], b: [600, 60], c: [300, 80] });
/** 250 ms into b, at T0 + 450. */
const intoB: States = { a: state('completed', 0), b: state('running', 200), c: state('pending') };

function predictSequential(steps: States, nowMs: number, slaMs?: number) {
  return predictRun({
    definition: { steps: sequential },
    steps,
    startedAt: T0.toISOString(),
    stats: sequentialStats,
    now: at(nowMs),
    slaMs,
  });
}

describe('predictRun', () => {
  it('adds what is left of the running step to the means of the steps after it', () => {
    const prediction = predictSequential(intoB, 450);
    expect(prediction).toEqual({ remainingMs: 650, predictedEndAt: at(1100).toISOString(), remainingPath: ['b', 'c'] });
    expect(prediction).not.toHaveProperty('slaDeadline');
    expect(prediction).not.toHaveProperty('breachProbability');
  });

  it('takes every mean before the run starts', () => {
    const prediction = predictSequential({ a: state('pending'), b: state('pending'), c: state('pending') }, 0);
    expect(prediction).toMatchObject({ remainingMs: 1100, predictedEndAt: at(1100).toISOString(), remainingPath: ['a', 'b', 'c'] });
  });

  it('treats steps missing from the states as pending', () => {
    expect(predictSequential({}, 0)).toMatchObject({ remainingMs: 1100, remainingPath: ['a', 'b', 'c'] });
  });

  it('counts a step that overran its mean as ending now, without its spread', () => {
    // 800 ms into b (mean 600): only c is left, with c's sd of 80 alone.
    const overrun = predictSequential(intoB, 1000, 1000 + 300 + 80);
    expect(overrun).toMatchObject({ remainingMs: 300, predictedEndAt: at(1300).toISOString(), remainingPath: ['b', 'c'] });
    // 80 ms beyond the expected end is one sd of c: P(Z > 1); with b's spread it would be P(Z > 0.8) = 0.212.
    expect(overrun.breachProbability).toBe(0.159);
  });

  it('counts scheduled and waiting steps as under way', () => {
    for (const status of ['scheduled', 'waiting'] as const) {
      expect(predictSequential({ ...intoB, b: state(status, 200) }, 450).remainingMs).toBe(650);
    }
  });

  it('counts a step under way with no start time as just started', () => {
    expect(predictSequential({ ...intoB, b: state('running') }, 450)).toMatchObject({ remainingMs: 900, remainingPath: ['b', 'c'] });
  });

  it('needs no more time once every step has ended', () => {
    const ended: States = { a: state('completed', 0), b: state('completed', 200), c: state('skipped') };
    expect(predictSequential(ended, 900, 1000)).toEqual({
      remainingMs: 0,
      predictedEndAt: at(900).toISOString(),
      remainingPath: [],
      slaDeadline: at(1000).toISOString(),
      breachProbability: 0,
    });
  });

  it('gives ended steps no more time, whatever way they ended', () => {
    const definition = { steps: [transform('a', { needs: [] }), transform('b', { needs: [] })] };
    for (const status of ['completed', 'skipped', 'compensated', 'cancelled', 'failed'] as const) {
      const prediction = predictRun({
        definition,
        steps: { a: state(status, 0), b: state('running', 0) },
        startedAt: T0.toISOString(),
        stats: stats({ a: [5000, 0], b: [300, 0] }),
        now: at(100),
      });
      expect(prediction).toMatchObject({ remainingMs: 200, remainingPath: ['b'] });
    }
  });

  describe('breach probability', () => {
    it('is one half when the expected remaining time is exactly the time left', () => {
      expect(predictSequential(intoB, 450, 1100)).toMatchObject({ slaDeadline: at(1100).toISOString(), breachProbability: 0.5 });
    });

    it('sums the variances along the path', () => {
      // 300 ms to spare is 3 sd (100): P(Z > 3) = 0.00135.
      expect(predictSequential(intoB, 450, 1400).breachProbability).toBe(0.001);
    });

    it('is about 0 far inside the deadline', () => {
      expect(predictSequential(intoB, 450, 2500).breachProbability).toBe(0);
    });

    it('is 1 past the deadline', () => {
      expect(predictSequential(intoB, 450, 400)).toMatchObject({ slaDeadline: at(400).toISOString(), breachProbability: 1 });
    });
  });

  it('follows the branch with the most time left, not the largest mean', () => {
    const diamond = [
      transform('a'),
      transform('b', { needs: ['a'] }),
      transform('c', { needs: ['a'] }),
      transform('d', { needs: ['b', 'c'] }),
    ];
    const prediction = predictRun({
      definition: { steps: diamond },
      // b (mean 300) is 150 ms in, c (mean 200) just started.
      steps: { a: state('completed', 0), b: state('running', 100), c: state('running', 250), d: state('pending') },
      startedAt: T0.toISOString(),
      stats: stats({ a: [100, 10], b: [300, 1000], c: [200, 30], d: [50, 40] }),
      now: at(250),
      slaMs: 250 + 250 + 50,
    });
    expect(prediction).toMatchObject({ remainingMs: 250, predictedEndAt: at(500).toISOString(), remainingPath: ['c', 'd'] });
    // The variance is c's and d's (30² + 40² = 50²), not b's: 50 ms to spare is P(Z > 1).
    expect(prediction.breachProbability).toBe(0.159);
  });

  describe('catch handlers', () => {
    const definition = {
      steps: [
        transform('charge', { catch: [{ errors: ['card.*'], next: 'declined' }, { next: 'manual' }] }),
        transform('ship'),
        transform('declined'),
        transform('tell-customer'),
        transform('manual'),
      ],
    };
    const handlerStats = stats({ charge: [100, 0], ship: [50, 0], declined: [1000, 0], 'tell-customer': [500, 0], manual: [2000, 0] });

    it('leaves out handlers nothing was routed to', () => {
      const prediction = predictRun({
        definition,
        steps: { charge: state('running', 0), ship: state('pending'), declined: state('pending'), manual: state('pending') },
        startedAt: T0.toISOString(),
        stats: handlerStats,
        now: at(40),
      });
      expect(prediction).toMatchObject({ remainingMs: 110, remainingPath: ['charge', 'ship'] });
    });

    it('follows the handler path after a caught failure, and not the steps the failure cut off', () => {
      const prediction = predictRun({
        definition,
        steps: {
          charge: state('failed', 0),
          ship: state('pending'),
          declined: state('running', 100),
          'tell-customer': state('pending'),
          manual: state('pending'),
        },
        startedAt: T0.toISOString(),
        stats: handlerStats,
        now: at(200),
      });
      expect(prediction).toMatchObject({ remainingMs: 900 + 500, remainingPath: ['declined', 'tell-customer'] });
    });
  });

  it('times a container as one step and ignores the states of the steps inside it', () => {
    const fanout: StepDefinition = {
      id: 'fanout',
      type: 'parallel',
      branches: [{ steps: [transform('left')] }, { steps: [transform('right')] }],
    };
    const prediction = predictRun({
      definition: { steps: [transform('prep'), fanout, transform('done')] },
      steps: {
        prep: state('completed', 0),
        fanout: state('running', 100),
        left: state('running', 100),
        right: state('pending'),
        done: state('pending'),
      },
      startedAt: T0.toISOString(),
      stats: stats({ prep: [100, 0], fanout: [400, 0], left: [10_000, 0], right: [10_000, 0], done: [50, 0] }),
      now: at(300),
    });
    expect(prediction).toMatchObject({ remainingMs: 250, remainingPath: ['fanout', 'done'] });
  });
});

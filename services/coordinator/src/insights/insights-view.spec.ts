import type { StepDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { assembleInsights, durationSummary, stepStatsOf, type InsightsInput } from './insights-view';
import type { StepSample } from './insights.repository';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

const http = (id: string) => ({ id, type: 'http' as const, with: { method: 'GET' as const, url: 'http://x.local' } });
const steps: StepDefinition[] = [
  http('fetch'),
  http('process'),
  {
    id: 'items',
    type: 'forEach',
    items: '${ [1] }',
    concurrency: 1,
    step: { type: 'http', with: { method: 'GET', url: 'http://x.local' } },
  },
];

const samples = (stepId: string, ...ms: number[]): StepSample[] => ms.map((value) => ({ stepId, type: 'http', ms: value }));

function input(overrides: Partial<InsightsInput> = {}): InsightsInput {
  return {
    workflow: 'orders',
    window: { from: new Date(T0 - 3_600_000), to: new Date(T0) },
    latest: { steps },
    stepOrder: ['fetch', 'process', 'items'],
    counts: { started: 10, completed: 6, failed: 2, compensated: 1, cancelled: 0, timedOut: 0, running: 1 },
    runDurations: [1_000, 2_000, 3_000],
    stepSamples: [
      ...samples('process', 500, 700),
      ...samples('fetch', 100, 200, 300),
      ...samples('items[*]', 10),
      { stepId: 'items', type: 'forEach', ms: 50 },
      ...samples('legacy', 1),
    ],
    stepAttempts: [
      { stepId: 'fetch', type: 'http', attempts: 5, failures: 2 },
      { stepId: 'process', type: 'http', attempts: 3, failures: 1 },
      { stepId: 'gone', type: 'transform', attempts: 1, failures: 1 },
    ],
    topErrors: [
      { stepId: 'fetch', message: 'HTTP 503', count: 1 },
      { stepId: 'fetch', message: 'HTTP 500', count: 1 },
      { stepId: 'process', message: 'timeout', count: 1 },
    ],
    active: [],
    ...overrides,
  };
}

describe('assembleInsights', () => {
  it('gives rates of the runs that ended in the window, to 3 decimals', () => {
    const view = assembleInsights(input());
    expect(view.rates).toEqual({ completion: 0.667, failure: 0.222, compensation: 0.111 });
    expect(view.runs.running).toBe(1);
    expect(view.window).toEqual({ from: iso(-3_600_000), to: iso(0) });
    expect(view.duration).toEqual({ count: 3, p50Ms: 2_000, p90Ms: 2_800, p95Ms: 2_900, p99Ms: 2_980, meanMs: 2_000, maxMs: 3_000 });
  });

  it('gives rates of 0, not a division by zero, when no run ended', () => {
    const counts = { started: 1, completed: 0, failed: 0, compensated: 0, cancelled: 0, timedOut: 0, running: 1 };
    expect(assembleInsights(input({ counts })).rates).toEqual({ completion: 0, failure: 0, compensation: 0 });
  });

  it("lists steps in the latest version's order, a forEach's items after it, then steps it no longer has; only steps seen in the window", () => {
    const view = assembleInsights(input());
    expect(view.steps.map((s) => s.stepId)).toEqual(['fetch', 'process', 'items', 'items[*]', 'gone', 'legacy']);
    expect(view.steps[0]).toEqual({
      stepId: 'fetch',
      type: 'http',
      count: 3,
      p50Ms: 200,
      p90Ms: 280,
      p95Ms: 290,
      p99Ms: 298,
      meanMs: 200,
      failures: 2,
      attempts: 5,
    });
    // Failed attempts only: no duration.
    expect(view.steps.find((s) => s.stepId === 'gone')).toMatchObject({ type: 'transform', count: 0, meanMs: 0, failures: 1 });
  });

  it('names the critical path of the latest version and its heaviest step', () => {
    const view = assembleInsights(input());
    expect(view.criticalPath).toEqual({
      steps: [
        { stepId: 'fetch', meanMs: 200 },
        { stepId: 'process', meanMs: 600 },
        { stepId: 'items', meanMs: 50 },
      ],
      totalMs: 850,
    });
    expect(view.bottleneck).toEqual({ stepId: 'process', meanMs: 600, share: 0.706 });
  });

  it('has no bottleneck before anything was measured', () => {
    expect(assembleInsights(input({ stepSamples: [] })).bottleneck).toBeNull();
  });

  it('lists the steps that failed, most failures first, with their most frequent errors', () => {
    expect(assembleInsights(input()).hotSpots).toEqual([
      {
        stepId: 'fetch',
        failures: 2,
        failureRate: 0.4,
        topErrors: [
          { message: 'HTTP 500', count: 1 },
          { message: 'HTTP 503', count: 1 },
        ],
      },
      { stepId: 'process', failures: 1, failureRate: 0.333, topErrors: [{ message: 'timeout', count: 1 }] },
      { stepId: 'gone', failures: 1, failureRate: 1, topErrors: [] },
    ]);
  });

  it('predicts runs still going from the same statistics, with their SLA when the definition has one', () => {
    const run = {
      id: 'r1',
      workflow: 'orders',
      version: 1,
      status: 'running' as const,
      startedAt: iso(-300),
      atRiskRaised: false,
      steps: {
        fetch: { status: 'completed' as const, startedAt: iso(-300) },
        process: { status: 'running' as const, startedAt: iso(-100) },
      },
    };
    const view = assembleInsights(
      input({
        active: [{ run, definition: { steps: [http('fetch'), http('process')], sla: { duration: '1s', atRiskProbability: 0.9 } } }],
      }),
    );
    // process: mean 600, 100 ms in; sd 100, so 200 ms to spare is 2 sd.
    expect(view.running).toEqual([
      {
        runId: 'r1',
        startedAt: iso(-300),
        predictedEndAt: iso(500),
        remainingMs: 500,
        remainingPath: ['process'],
        slaDeadline: iso(700),
        breachProbability: 0.023,
      },
    ]);
  });
});

describe('stepStatsOf', () => {
  it('summarises each step over its own samples', () => {
    const stats = stepStatsOf([...samples('a', 1, 3), ...samples('b', 10)]);
    expect([...stats.keys()]).toEqual(['a', 'b']);
    expect(stats.get('a')).toMatchObject({ count: 2, meanMs: 2 });
    expect(stats.get('b')).toMatchObject({ count: 1, meanMs: 10 });
  });
});

describe('durationSummary', () => {
  it('is all zeros without samples, and whole milliseconds otherwise', () => {
    expect(durationSummary(undefined)).toEqual({ count: 0, p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, meanMs: 0, maxMs: 0 });
    expect(durationSummary(stepStatsOf(samples('a', 1.4, 2.6)).get('a'))).toMatchObject({ meanMs: 2, p50Ms: 2, maxMs: 3 });
  });
});
